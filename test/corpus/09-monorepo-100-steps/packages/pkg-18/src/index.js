export const name = 'pkg-18';
