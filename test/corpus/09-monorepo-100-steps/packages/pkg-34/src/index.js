export const name = 'pkg-34';
