export const name = 'pkg-32';
