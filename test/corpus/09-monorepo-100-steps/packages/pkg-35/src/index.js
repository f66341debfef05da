export const name = 'pkg-35';
