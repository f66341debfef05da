export const name = 'pkg-27';
