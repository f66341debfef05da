export const name = 'pkg-09';
