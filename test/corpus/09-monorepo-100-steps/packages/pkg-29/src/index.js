export const name = 'pkg-29';
