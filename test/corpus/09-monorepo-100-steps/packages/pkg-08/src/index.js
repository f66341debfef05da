export const name = 'pkg-08';
