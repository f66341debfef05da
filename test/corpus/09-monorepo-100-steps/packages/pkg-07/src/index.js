export const name = 'pkg-07';
