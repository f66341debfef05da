export const name = 'pkg-02';
