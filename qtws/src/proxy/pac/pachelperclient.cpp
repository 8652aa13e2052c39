// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pachelperclient.h"

#include "common/logging.h"
#include "pachelperprotocol.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtNetwork/QHostInfo>
#include <QtNetwork/QNetworkInterface>

#include <dlfcn.h>

#include <future>
#include <mutex>
#include <thread>

namespace QtWs {

using PacHelperProtocol::Message;

namespace {

// How often a wait for the helper looks at the stop request.
constexpr std::chrono::milliseconds kPollSlice {50};

QList<QHostAddress> defaultResolve(const QString &host, std::chrono::milliseconds timeout)
{
    // QHostInfo::fromName() has no timeout: run it on a helper thread and abandon it at the
    // deadline (the thread ends when the system resolver gives up).
    auto promise = std::make_shared<std::promise<QList<QHostAddress>>>();
    std::future<QList<QHostAddress>> future = promise->get_future();
    std::thread([promise, host] {
        promise->set_value(QHostInfo::fromName(host).addresses());
    }).detach();
    if (future.wait_for(timeout) != std::future_status::ready) {
        qCDebug(lcQtwsPac) << "DNS lookup of" << host << "timed out after" << timeout.count()
                           << "ms";
        return {};
    }
    return future.get();
}

// QNetworkInterface::allAddresses() asks the kernel every time; scripts call myIpAddress() on
// nearly every evaluation. Remembered for kLocalAddressTtl, shared by all engines (addresses change
// rarely, and the resolver drops its caches on network changes anyway).
constexpr auto kLocalAddressTtl = std::chrono::seconds(5);

QList<QHostAddress> systemLocalAddresses()
{
    static std::mutex mutex;
    static QList<QHostAddress> cached;
    static std::chrono::steady_clock::time_point expires;
    std::lock_guard<std::mutex> lock(mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now >= expires) {
        cached = QNetworkInterface::allAddresses();
        expires = now + kLocalAddressTtl;
    }
    return cached;
}

QStringList toStrings(const QList<QHostAddress> &addresses)
{
    QStringList out;
    for (const QHostAddress &a : addresses)
        out.append(a.toString());
    return out;
}

void locateLibrary() { }

// Logs what the helper logged, in this process, where the application's message handler and
// logging rules apply.
void relayLog(QDataStream &in)
{
    qint32 type = 0;
    QString category;
    QString text;
    in >> type >> category >> text;
    if (category != QLatin1String(lcQtwsPac().categoryName()))
        text = QStringLiteral("[%1] %2").arg(category, text);
    switch (QtMsgType(type)) {
    case QtDebugMsg:
        qCDebug(lcQtwsPac).noquote() << text;
        break;
    case QtInfoMsg:
        qCInfo(lcQtwsPac).noquote() << text;
        break;
    case QtWarningMsg:
        qCWarning(lcQtwsPac).noquote() << text;
        break;
    default:
        qCCritical(lcQtwsPac).noquote() << text;
        break;
    }
}

} // namespace

PacHelperClient::PacHelperClient(std::function<bool()> stopRequested)
    : m_stopRequested(std::move(stopRequested))
{ }

PacHelperClient::~PacHelperClient()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->closeWriteChannel(); // the helper exits at end of input
        if (!m_process->waitForFinished(int(kPollSlice.count())))
            kill();
    }
}

QString PacHelperClient::helperPath()
{
    const QString fromEnvironment = qEnvironmentVariable("QTWS_PAC_HELPER");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&locateLibrary), &info) != 0 && info.dli_fname) {
        const QDir libraryDir = QFileInfo(QFile::decodeName(info.dli_fname)).absoluteDir();
        const QString installed = QDir::cleanPath(
            libraryDir.filePath(QStringLiteral(QTWS_PAC_HELPER_FROM_LIBDIR "/qtws-pac-helper")));
        if (QFileInfo(installed).isExecutable())
            return installed;
    }
    return QStringLiteral(QTWS_PAC_HELPER_BUILD_PATH);
}

PacResult PacHelperClient::fail(PacError error, const QString &detail) const
{
    PacResult result;
    result.error = error;
    result.errorString
        = QStringLiteral("PAC script %1: %2: %3").arg(m_name, pacErrorName(error), detail);
    return result;
}

bool PacHelperClient::ensureStarted(QString *error)
{
    if (m_process && m_process->state() == QProcess::Running)
        return true;
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_buffer.clear();
    m_needsLoad = true;
    m_process->start(helperPath(), QStringList());
    if (!m_process->waitForStarted()) {
        *error = QStringLiteral("cannot start the PAC helper %1: %2")
                     .arg(helperPath(), m_process->errorString());
        m_process.reset();
        return false;
    }
    return awaitReady(error);
}

// The helper's first frame is Ready (Log frames may come before it). Only then do the evaluation
// deadlines start: under load or a sanitizer, starting a process can take longer than a script may.
bool PacHelperClient::awaitReady(QString *error)
{
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + kStartupTimeout;
    for (;;) {
        bool bad = false;
        while (const std::optional<QByteArray> payload
            = PacHelperProtocol::takeFrame(m_buffer, &bad)) {
            QDataStream in(*payload);
            quint8 type = 0;
            PacHelperProtocol::prepare(in) >> type;
            if (Message(type) == Message::Ready)
                return true;
            answerCallback(*payload);
        }
        QString why;
        const auto left
            = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (bad)
            why = QStringLiteral("the PAC helper sent a bad frame");
        else if (m_stopRequested())
            why = QStringLiteral("the engine was destroyed");
        else if (left.count() <= 0)
            why = QStringLiteral("the PAC helper was not ready within %1 ms")
                      .arg(kStartupTimeout.count());
        else if (!m_process->waitForReadyRead(int(std::min(left, kPollSlice).count()))
            && m_process->state() != QProcess::Running)
            why = QStringLiteral("the PAC helper exited before it was ready");
        if (!why.isEmpty()) {
            kill();
            *error = why;
            return false;
        }
        m_buffer += m_process->readAllStandardOutput();
    }
}

void PacHelperClient::kill()
{
    if (!m_process)
        return;
    m_process->kill();
    m_process->waitForFinished(); // reaps it: no zombie, the PID is gone
    m_process.reset();
    m_buffer.clear();
    m_needsLoad = true;
}

PacResult PacHelperClient::load(const QString &script, const QString &name,
    ProxyCandidate::Source source, const PacEnvironment &environment)
{
    m_script = script;
    m_name = name;
    m_source = source;
    m_environment = environment;
    m_needsLoad = true;
    return sendLoad();
}

PacResult PacHelperClient::sendLoad()
{
    QString error;
    if (!ensureStarted(&error))
        return fail(PacError::EngineUnavailable, error);
    const QByteArray request = PacHelperProtocol::frame(Message::Load, [&](QDataStream &out) {
        out << m_script << m_name << qint32(m_source)
            << qint64(m_environment.evaluationTimeout.count())
            << qint64(m_environment.dnsTimeout.count()) << qint64(m_environment.dnsBudget.count());
    });
    PacResult result = exchange(request, QStringLiteral("top level"));
    m_needsLoad = !result.isValid();
    return result;
}

PacResult PacHelperClient::evaluate(const QString &url, const QString &host)
{
    if (m_needsLoad || !m_process) {
        // A fresh helper after a kill: the script was loaded before, so this normally succeeds.
        const PacResult loaded = sendLoad();
        if (!loaded.isValid())
            return loaded;
    }
    const QByteArray request = PacHelperProtocol::frame(
        Message::Evaluate, [&](QDataStream &out) { out << url << host; });
    PacResult result = exchange(request, QStringLiteral("FindProxyForURL"));
    if (result.isValid())
        result.candidates = parsePacResult(result.raw, m_source, m_name, nullptr);
    return result;
}

PacResult PacHelperClient::exchange(const QByteArray &request, const QString &where)
{
    using Clock = std::chrono::steady_clock;
    m_process->write(request);
    // DNS answered here does not count against the evaluation timeout (as in the helper).
    auto deadline = Clock::now() + m_environment.evaluationTimeout + kKillGrace;
    for (;;) {
        bool bad = false;
        while (const std::optional<QByteArray> payload
            = PacHelperProtocol::takeFrame(m_buffer, &bad)) {
            QDataStream in(*payload);
            quint8 type = 0;
            PacHelperProtocol::prepare(in) >> type;
            if (Message(type) == Message::Result)
                return readResult(in);
            const auto start = Clock::now();
            answerCallback(*payload);
            deadline += Clock::now() - start;
        }
        if (bad) {
            kill();
            return fail(
                PacError::EngineUnavailable, QStringLiteral("the PAC helper sent a bad frame"));
        }
        if (m_stopRequested()) {
            kill();
            return fail(PacError::EngineUnavailable, QStringLiteral("the engine was destroyed"));
        }
        const auto left
            = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            qCWarning(lcQtwsPac).noquote() << "PAC script" << m_name << "did not return from"
                                           << where << "; killing its helper process";
            kill();
            return fail(PacError::Timeout,
                QStringLiteral("%1 ran longer than %2 ms")
                    .arg(where)
                    .arg(m_environment.evaluationTimeout.count()));
        }
        if (!m_process->waitForReadyRead(int(std::min(left, kPollSlice).count()))
            && m_process->state() != QProcess::Running) {
            kill();
            return fail(PacError::EngineUnavailable, QStringLiteral("the PAC helper exited"));
        }
        m_buffer += m_process->readAllStandardOutput();
    }
}

PacResult PacHelperClient::readResult(QDataStream &in)
{
    PacResult result;
    qint32 error = 0;
    qint32 line = -1;
    in >> error >> result.errorString >> line >> result.raw >> result.warnings;
    result.error = PacError(error);
    result.line = line;
    return result;
}

void PacHelperClient::answerCallback(const QByteArray &payload)
{
    QDataStream in(payload);
    quint8 type = 0;
    PacHelperProtocol::prepare(in) >> type;
    QByteArray reply;
    switch (Message(type)) {
    case Message::Resolve: {
        QString host;
        qint64 timeout = 0;
        in >> host >> timeout;
        const std::chrono::milliseconds ms(timeout);
        const QList<QHostAddress> addresses = m_environment.resolveHost
            ? m_environment.resolveHost(host, ms)
            : defaultResolve(host, ms);
        reply = PacHelperProtocol::frame(
            Message::Addresses, [&](QDataStream &out) { out << toStrings(addresses); });
        break;
    }
    case Message::LocalAddresses: {
        const QList<QHostAddress> addresses = m_environment.localAddresses
            ? m_environment.localAddresses()
            : systemLocalAddresses();
        reply = PacHelperProtocol::frame(
            Message::Addresses, [&](QDataStream &out) { out << toStrings(addresses); });
        break;
    }
    case Message::Now: {
        const QDateTime now
            = m_environment.clock ? m_environment.clock() : QDateTime::currentDateTime();
        reply = PacHelperProtocol::frame(Message::Clock, [&](QDataStream &out) { out << now; });
        break;
    }
    case Message::Log:
        relayLog(in);
        return;
    default:
        qCWarning(lcQtwsPac) << "PAC helper sent unknown message" << type;
        return;
    }
    m_process->write(reply);
}

} // namespace QtWs
