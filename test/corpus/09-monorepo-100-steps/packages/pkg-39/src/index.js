export const name = 'pkg-39';
