export const name = 'pkg-22';
