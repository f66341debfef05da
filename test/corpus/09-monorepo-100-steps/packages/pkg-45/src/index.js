export const name = 'pkg-45';
