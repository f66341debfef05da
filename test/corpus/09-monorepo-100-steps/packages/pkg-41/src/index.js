export const name = 'pkg-41';
