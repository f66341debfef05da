export const name = 'pkg-03';
