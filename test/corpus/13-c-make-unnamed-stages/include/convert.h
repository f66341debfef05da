#pragma once
int convert(const char *in, const char *out);
