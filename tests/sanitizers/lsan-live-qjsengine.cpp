// SPDX-License-Identifier: LGPL-3.0-or-later
// Why fuzz_pac_eval runs with -detect_leaks=0 (docs/reliability.md, Fuzzing): LeakSanitizer reports the allocations
// of a QJSEngine that is alive and reachable from a global, because V4 keeps its objects in mmap'd pages it does
// not scan. Not part of the build; run by hand:
//   clang++ -std=c++17 -fsanitize=address -g lsan-live-qjsengine.cpp -o /tmp/live \
//       $(pkg-config --cflags --libs Qt6Qml) -fPIC && /tmp/live
#include <QtCore/QCoreApplication>
#include <QtQml/QJSEngine>
#include <sanitizer/lsan_interface.h>
#include <cstdio>
QJSEngine *g_engine = nullptr;
int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    g_engine = new QJSEngine;
    g_engine->evaluate(QStringLiteral("function FindProxyForURL(u, h) { return 'DIRECT'; }"));
    const int leaks = __lsan_do_recoverable_leak_check();
    std::printf("live engine reported as leaked: %d\n", leaks);
    delete g_engine;
    return 0;
}
