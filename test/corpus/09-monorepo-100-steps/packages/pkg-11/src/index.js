export const name = 'pkg-11';
