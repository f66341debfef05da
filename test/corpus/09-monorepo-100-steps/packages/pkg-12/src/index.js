export const name = 'pkg-12';
