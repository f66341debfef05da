export const name = 'pkg-46';
