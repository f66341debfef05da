export const name = 'pkg-04';
