// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxyfixture.h"

#include <QtCore/QDir>
#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtCore/qtestsupport_core.h>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <cerrno>
#include <csignal>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace QtWs::Test {

namespace {

constexpr int StartAttempts = 3; // a free port can be taken between probing and binding
constexpr int StopGraceMs = 3000; // SIGTERM, then SIGKILL
constexpr int GroupDrainMs = 2000; // children of the proxy leaving after it exited
constexpr qsizetype DiagnosticTailBytes = 6000;

/*
    The process groups of running fixtures are announced to one watchdog process per test process
    ("add PGID" / "del PGID" on its stdin). When the test process dies without running destructors
    (crash, SIGKILL by a timeout), the pipe reaches end-of-file and the watchdog kills the groups
    still announced. PR_SET_PDEATHSIG alone is not enough: it is cleared when a proxy switches to
    its unprivileged user, and its children never had it.
*/
const char WatchdogScript[]
    = "trap '' HUP INT TERM\n"
      "groups=' '\n"
      "while read -r op group; do\n"
      "  case \"$op\" in\n"
      "    add) groups=\"$groups$group \" ;;\n"
      "    del) groups=$(printf '%s' \"$groups\" | sed \"s/ $group / /\") ;;\n"
      "  esac\n"
      "done\n"
      "for g in $groups; do kill -TERM -- \"-$g\" 2>/dev/null; done\n"
      "sleep 1\n"
      "for g in $groups; do kill -KILL -- \"-$g\" 2>/dev/null; done\n";

QProcess *watchdog()
{
    // Deliberately never deleted: ~QProcess would kill the watchdog, which must outlive us.
    static QProcess *process = [] {
        auto *p = new QProcess;
        p->setProgram(QStringLiteral("/bin/sh"));
        p->setArguments({QStringLiteral("-c"), QString::fromLatin1(WatchdogScript)});
        p->setStandardOutputFile(QProcess::nullDevice());
        p->setStandardErrorFile(QProcess::nullDevice());
        p->setChildProcessModifier([] { ::setsid(); });
        p->start();
        p->waitForStarted(10000);
        return p;
    }();
    return process;
}

void announce(const char *op, qint64 group)
{
    QProcess *p = watchdog();
    if (p->state() != QProcess::Running)
        return;
    p->write(QByteArray(op) + ' ' + QByteArray::number(group) + '\n');
    p->waitForBytesWritten(2000);
}

quint16 pickFreePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray tail(const QByteArray &text)
{
    return text.size() > DiagnosticTailBytes ? "..." + text.right(DiagnosticTailBytes) : text;
}

// True while a process of \a group is alive. Zombies do not count: orphaned workers are reaped by
// PID 1, which may take its time, and kill(-group, 0) still finds them.
bool groupHasLiveProcess(qint64 group)
{
    if (::kill(pid_t(-group), 0) != 0 && errno == ESRCH)
        return false;
    const QStringList pids = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &pid : pids) {
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        const QByteArray stat = readFile(QStringLiteral("/proc/%1/stat").arg(pid));
        const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 2 && fields[2].toLongLong() == group && fields[0] != "Z")
            return true;
    }
    return false;
}

} // namespace

ProxyFixture::ProxyFixture()
    : m_stopSignal(SIGTERM)
{ }

ProxyFixture::~ProxyFixture()
{
    stop();
}

bool ProxyFixture::start(std::chrono::milliseconds timeout)
{
    if (isRunning()) {
        m_error = QStringLiteral("%1 is already running").arg(name());
        return false;
    }
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary directory: %1").arg(m_dir.errorString());
        return false;
    }
    for (int attempt = 1; attempt <= StartAttempts; ++attempt) {
        m_port = pickFreePort();
        QString error;
        if (m_port == 0 || !writeFile(QStringLiteral("hosts"), hostsFile(), &error)
            || !configure(&error)) {
            m_error = QStringLiteral("%1: configuration failed: %2").arg(name(), error);
            return false;
        }
        makeDirectoryUsable();
        if (launch(&error) && waitUntilReady(timeout, &error))
            return true;
        const bool retry = portWasTaken() && attempt < StartAttempts;
        m_error = QStringLiteral("%1 on 127.0.0.1:%2 did not come up: %3\n%4")
                      .arg(name())
                      .arg(m_port)
                      .arg(error, diagnostics());
        stop();
        if (!retry)
            return false;
        QFile::remove(filePath(QStringLiteral("output.log")));
        if (!readinessLogLine().first.isEmpty())
            QFile::remove(filePath(readinessLogLine().first));
    }
    return false;
}

bool ProxyFixture::launch(QString *error)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (!adjustEnvironment(&environment, error))
        return false;
    m_process.setProgram(program());
    m_process.setArguments(arguments());
    m_process.setProcessEnvironment(environment);
    m_process.setWorkingDirectory(directory());
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.setStandardOutputFile(filePath(QStringLiteral("output.log")), QIODevice::Append);
    // Its own process group, so that stop() reaches the workers and helpers it forks; a parent
    // death signal for the case where it keeps our credentials.
    m_process.setChildProcessModifier([] {
        ::setsid();
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    });
    m_process.start();
    if (!m_process.waitForStarted(10000)) {
        *error = QStringLiteral("%1: %2").arg(program(), m_process.errorString());
        return false;
    }
    m_group = m_process.processId();
    announce("add", m_group);
    return true;
}

bool ProxyFixture::waitUntilReady(std::chrono::milliseconds timeout, QString *error)
{
    bool exited = false;
    const bool ready = QTest::qWaitFor(
        [&] {
            exited = m_process.state() == QProcess::NotRunning;
            return exited || isReady();
        },
        int(timeout.count()));
    if (ready && !exited)
        return true;
    *error = exited ? QStringLiteral("it exited (status %1)").arg(m_process.exitCode())
                    : QStringLiteral("not ready within %1 ms").arg(timeout.count());
    return false;
}

bool ProxyFixture::isReady() const
{
    const auto [file, line] = readinessLogLine();
    if (!file.isEmpty())
        return readFile(directory() + QLatin1Char('/') + file).contains(line);
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, m_port);
    return probe.waitForConnected(250);
}

bool ProxyFixture::portWasTaken() const
{
    return diagnostics().contains(QStringLiteral("Address already in use"));
}

void ProxyFixture::stop()
{
    // Called by ~ProxyFixture: no virtual function may be called from here.
    if (m_group == 0)
        return;
    const auto group = pid_t(m_group);
    ::kill(group, m_stopSignal); // the main process stops its own workers and helpers
    // The event loop keeps running: peers in the test's own thread (an origin server) must be
    // able to see their connections close while the proxy shuts them down.
    const auto exited = [this] { return m_process.state() == QProcess::NotRunning; };
    if (!QTest::qWaitFor(exited, StopGraceMs)) {
        ::kill(-group, SIGKILL);
        (void)QTest::qWaitFor(exited, StopGraceMs);
    }
    // Workers and helpers leave once the main process is gone; whatever stays is killed.
    QDeadlineTimer drain(GroupDrainMs);
    while (groupHasLiveProcess(m_group) && !drain.hasExpired())
        QThread::msleep(20);
    ::kill(-group, SIGKILL);
    announce("del", m_group);
    m_group = 0;
    for (const auto &[directory, filter] : std::as_const(m_leftovers)) {
        const QStringList names = QDir(directory).entryList({filter}, QDir::Files | QDir::System);
        for (const QString &name : names)
            QFile::remove(directory + QLatin1Char('/') + name);
    }
}

bool ProxyFixture::isRunning() const
{
    return m_process.state() != QProcess::NotRunning;
}

QUrl ProxyFixture::url() const
{
    QUrl url;
    url.setScheme(scheme());
    url.setHost(host());
    url.setPort(m_port);
    if (m_credentials.isValid()) {
        url.setUserName(m_credentials.user);
        url.setPassword(m_credentials.password);
    }
    return url;
}

void ProxyFixture::addHost(const QString &name, const QHostAddress &address)
{
    m_hosts.append({name, address});
}

QByteArray ProxyFixture::accessLog() const
{
    return readFile(accessLogPath());
}

QList<ProxyLogEntry> ProxyFixture::logEntries() const
{
    return parseAccessLog(accessLog());
}

ProxyLogEntry ProxyFixture::waitForLogEntry(const std::function<bool(const ProxyLogEntry &)> &match,
    std::chrono::milliseconds timeout) const
{
    ProxyLogEntry found;
    (void)QTest::qWaitFor(
        [&] {
            const QList<ProxyLogEntry> entries = logEntries();
            for (const ProxyLogEntry &e : entries) {
                if (match(e)) {
                    found = e;
                    return true;
                }
            }
            return false;
        },
        int(timeout.count()));
    return found;
}

ProxyLogEntry ProxyFixture::waitForLogEntry(
    QByteArrayView method, QByteArrayView target, std::chrono::milliseconds timeout) const
{
    const QByteArray m = method.toByteArray();
    const QByteArray t = target.toByteArray();
    return waitForLogEntry(
        [&](const ProxyLogEntry &e) { return e.method == m && e.target.contains(t); }, timeout);
}

QString ProxyFixture::diagnostics() const
{
    QByteArray text = "--- " + name().toUtf8() + " output ---\n" + tail(processOutput());
    const QStringList files = diagnosticFiles();
    for (const QString &file : files)
        text += "\n--- " + file.toUtf8() + " ---\n" + tail(readFile(filePath(file)));
    return QString::fromUtf8(text);
}

bool ProxyFixture::adjustEnvironment(QProcessEnvironment *environment, QString *error) const
{
    return preloadHostsWrapper(environment, error);
}

bool ProxyFixture::writeFile(
    const QString &relativePath, const QByteArray &content, QString *error) const
{
    QFile f(filePath(relativePath));
    if (!QDir().mkpath(QFileInfo(f).absolutePath()) || !f.open(QIODevice::WriteOnly)
        || f.write(content) != content.size()) {
        *error = QStringLiteral("%1: %2").arg(f.fileName(), f.errorString());
        return false;
    }
    // 0644 whatever the umask: proxies read their files after switching to their own user.
    return f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner
        | QFileDevice::ReadGroup | QFileDevice::ReadOther);
}

QString ProxyFixture::filePath(const QString &relativePath) const
{
    return directory() + QLatin1Char('/') + relativePath;
}

QString ProxyFixture::randomToken(int length)
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    QString token;
    for (int i = 0; i < length; ++i)
        token += QLatin1Char(
            alphabet[QRandomGenerator::system()->bounded(int(sizeof(alphabet) - 1))]);
    return token;
}

bool ProxyFixture::runsAsRoot()
{
    return ::geteuid() == 0;
}

QByteArray ProxyFixture::hostsFile() const
{
    // One line per address: nss_wrapper answers getaddrinfo("127.0.0.1") once per line holding
    // that address, and Apache then binds its Listen address twice ("Address already in use").
    QList<QHostAddress> addresses {QHostAddress::LocalHost, QHostAddress::LocalHostIPv6};
    QHash<QHostAddress, QByteArray> names {{QHostAddress::LocalHost, " localhost"},
        {QHostAddress::LocalHostIPv6, " localhost ip6-localhost"}};
    for (const auto &[name, address] : m_hosts) {
        if (!addresses.contains(address))
            addresses.append(address);
        names[address] += ' ' + name.toUtf8();
    }
    QByteArray text;
    for (const QHostAddress &address : std::as_const(addresses))
        text += address.toString().toUtf8() + names.value(address) + '\n';
    return text;
}

bool ProxyFixture::preloadHostsWrapper(QProcessEnvironment *environment, QString *error) const
{
    if (m_hosts.isEmpty())
        return true;
    environment->insert(QStringLiteral("NSS_WRAPPER_HOSTS"), filePath(QStringLiteral("hosts")));
    return preload(
        environment, QStringLiteral("libnss_wrapper.so"), QStringLiteral("libnss-wrapper"), error);
}

bool ProxyFixture::preload(QProcessEnvironment *environment, const QString &fileName,
    const QString &package, QString *error)
{
    const QString library = findLibrary(fileName);
    if (library.isEmpty()) {
        *error = QStringLiteral("%1 not found: install %2 (scripts/install-deps.sh installs it)")
                     .arg(fileName, package);
        return false;
    }
    const QString current = environment->value(QStringLiteral("LD_PRELOAD"));
    environment->insert(QStringLiteral("LD_PRELOAD"),
        current.isEmpty() ? library : library + QLatin1Char(':') + current);
    return true;
}

QString ProxyFixture::findLibrary(const QString &fileName)
{
    QStringList directories;
    for (const QString &root : {QStringLiteral("/usr/lib"), QStringLiteral("/lib")}) {
        const QStringList multiarch
            = QDir(root).entryList({QStringLiteral("*-linux-gnu*")}, QDir::Dirs);
        for (const QString &m : multiarch)
            directories << root + QLatin1Char('/') + m;
        directories << root;
    }
    for (const QString &d : std::as_const(directories)) {
        const QString candidate = d + QLatin1Char('/') + fileName;
        if (QFile::exists(candidate))
            return candidate;
    }
    return QString();
}

QList<ProxyLogEntry> ProxyFixture::parseCommonLogFormat(const QByteArray &text)
{
    static const QRegularExpression format(
        QStringLiteral(R"(^\S+ \S+ (\S+) \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d{3}) )"));
    QList<ProxyLogEntry> entries;
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &line : lines) {
        const auto m = format.match(QString::fromUtf8(line));
        if (!m.hasMatch())
            continue;
        ProxyLogEntry e;
        e.user = m.captured(1) == QLatin1String("-") ? QByteArray() : m.captured(1).toUtf8();
        e.method = m.captured(2).toUtf8();
        e.target = m.captured(3).toUtf8();
        e.status = m.captured(4).toInt();
        e.line = line;
        entries.append(e);
    }
    return entries;
}

QByteArray ProxyFixture::processOutput() const
{
    return readFile(filePath(QStringLiteral("output.log")));
}

void ProxyFixture::makeDirectoryUsable()
{
    // QTemporaryDir is 0700: a proxy that switched to its own user could not read its
    // configuration or write its logs. The directory becomes that user's.
    QFile::setPermissions(directory(),
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
            | QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther
            | QFileDevice::ExeOther);
    const QByteArray user = unprivilegedUser();
    if (!runsAsRoot() || user.isEmpty())
        return;
    const passwd *account = ::getpwnam(user.constData());
    if (!account)
        return;
    const auto own = [account](const QString &path) {
        (void)::chown(QFile::encodeName(path).constData(), account->pw_uid, account->pw_gid);
    };
    own(directory());
    QDirIterator it(directory(), QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
        QDirIterator::Subdirectories);
    while (it.hasNext())
        own(it.next());
}

} // namespace QtWs::Test
