export const name = 'pkg-43';
