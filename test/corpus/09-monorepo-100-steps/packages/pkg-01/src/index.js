export const name = 'pkg-01';
