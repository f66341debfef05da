export const name = 'pkg-23';
