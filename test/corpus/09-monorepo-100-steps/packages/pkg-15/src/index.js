export const name = 'pkg-15';
