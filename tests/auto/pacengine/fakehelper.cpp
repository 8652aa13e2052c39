// SPDX-License-Identifier: LGPL-3.0-or-later
// A misbehaving stand-in for qtws-pac-helper (QTWS_PAC_HELPER), for tst_pacengine. What it does is
// chosen by QTWS_FAKE_PAC_HELPER_MODE:
//   exit           reads the first frame (the Load) and exits with status 3
//   shutdown-read  reads the Load, shuts down its reading side (the parent's next write fails
//                  with EPIPE), answers the Load and waits to be killed
//   garbage        reads the Load and answers with a frame header larger than the protocol allows
// Each mode first says Ready, as the real helper does. The frame layout is pachelperprotocol.h's: a
// host-order quint32 size, a quint8 type, the body.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

bool readAll(void *data, size_t size)
{
    auto *at = static_cast<char *>(data);
    while (size > 0) {
        const ssize_t n = ::read(STDIN_FILENO, at, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        at += n;
        size -= size_t(n);
    }
    return true;
}

void writeAll(const void *data, size_t size)
{
    const auto *at = static_cast<const char *>(data);
    while (size > 0) {
        const ssize_t n = ::write(STDOUT_FILENO, at, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            std::_Exit(0);
        at += n;
        size -= size_t(n);
    }
}

void readFrame()
{
    std::uint32_t size = 0;
    if (!readAll(&size, sizeof size))
        std::_Exit(0);
    std::vector<char> body(size);
    if (!readAll(body.data(), body.size()))
        std::_Exit(0);
}

// Result: error 0, no error string, line -1, raw "DIRECT", no warnings.
void answerLoad()
{
    std::vector<char> frame;
    auto put = [&frame](const void *data, size_t size) {
        frame.insert(
            frame.end(), static_cast<const char *>(data), static_cast<const char *>(data) + size);
    };
    const std::int32_t zero = 0;
    const std::int32_t noLine = -1;
    const std::uint8_t type = 10;
    const char16_t direct[] = u"DIRECT";
    const std::uint32_t directSize = 6;
    std::uint32_t size = 0;
    put(&size, sizeof size);
    put(&type, sizeof type);
    put(&zero, sizeof zero);
    put(&zero, sizeof zero);
    put(&noLine, sizeof noLine);
    put(&directSize, sizeof directSize);
    put(direct, directSize * sizeof(char16_t));
    put(&zero, sizeof zero);
    size = std::uint32_t(frame.size() - sizeof size);
    std::memcpy(frame.data(), &size, sizeof size);
    writeAll(frame.data(), frame.size());
}

} // namespace

int main()
{
    const char *mode = std::getenv("QTWS_FAKE_PAC_HELPER_MODE");
    if (!mode)
        return 2;
    // Ready (type 16, no body), as the real helper says first.
    const std::uint32_t readySize = 1;
    const std::uint8_t ready = 16;
    writeAll(&readySize, sizeof readySize);
    writeAll(&ready, sizeof ready);
    readFrame();
    if (std::strcmp(mode, "exit") == 0)
        return 3;
    if (std::strcmp(mode, "shutdown-read") == 0) {
        ::shutdown(STDIN_FILENO, SHUT_RD);
        answerLoad();
        for (;;)
            ::pause();
    }
    if (std::strcmp(mode, "garbage") == 0) {
        const unsigned char header[5] = {0xff, 0xff, 0xff, 0xff, 10};
        writeAll(header, sizeof header);
        for (;;)
            ::pause();
    }
    return 2;
}
