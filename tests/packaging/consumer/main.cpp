// SPDX-License-Identifier: LGPL-3.0-or-later
// A consumer of the installed package: includes public headers and calls into the shared library.
#include <qtws/global.h>

#include <cstdio>
#include <cstring>

int main()
{
    const char *v = QtWs::version();
    std::printf("qtws %s\n", v);
    return std::strlen(v) > 0 ? 0 : 1;
}
