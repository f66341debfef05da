export const name = 'pkg-42';
