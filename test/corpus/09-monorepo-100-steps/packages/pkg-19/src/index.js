export const name = 'pkg-19';
