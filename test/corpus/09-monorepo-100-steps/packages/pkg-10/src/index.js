export const name = 'pkg-10';
