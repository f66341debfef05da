export const name = 'pkg-21';
