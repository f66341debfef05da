#include <stdio.h>
#include "convert.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: imgconv IN OUT\n");
        return 2;
    }
    return convert(argv[1], argv[2]);
}
