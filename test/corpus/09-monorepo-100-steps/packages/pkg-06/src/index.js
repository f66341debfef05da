export const name = 'pkg-06';
