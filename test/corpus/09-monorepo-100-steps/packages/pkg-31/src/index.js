export const name = 'pkg-31';
