// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROXYFIXTURE_H
#define QTWS_PROXYFIXTURE_H

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QTemporaryDir>
#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>

#include <chrono>
#include <functional>

namespace QtWs::Test {

/*!
    One request as the proxy's own log tells it. Fields a proxy does not log stay empty (status 0):
    tinyproxy logs no status, Dante logs no status and only "pass"/"block".
*/
struct ProxyLogEntry
{
    QByteArray method; //!< "CONNECT", "GET", "OPTIONS"; a SOCKS connect is logged as "CONNECT".
    QByteArray target; //!< As logged: "origin.test:443", "http://origin.test:8080/ws".
    int status = 0; //!< The status the proxy answered, 0 where its log does not say.
    QByteArray user; //!< The authenticated user, empty when none was logged.
    QByteArray result; //!< The proxy's verdict: Squid's "TCP_DENIED", Dante's "pass"/"block".
    QByteArray line; //!< The log line the entry was read from.
};

/*! The user name, password and realm a fixture with authentication accepts. */
struct ProxyCredentials
{
    QString user;
    QString password;
    QString realm; //!< Empty where the scheme has none (SOCKS5 username/password).
    bool isValid() const { return !user.isEmpty(); }
};

/*!
    \class QtWs::Test::ProxyFixture
    \brief A real proxy (a Debian package) run as a child process for one test, on a free loopback
    port, with a configuration generated in a temporary directory.

    start() writes the configuration, starts the proxy in its own process group (so that stop()
    reaches every process it forks) and waits for a fact that says it accepts connections (a line
    in its own log, or an accepted TCP connection), within a deadline; on failure errorString()
    quotes the proxy's own output and logs. The destructor stops it, also when a test failed
    half-way; a watchdog process kills the groups of fixtures whose test process died without
    running destructors (crash, SIGKILL), so no proxy outlives its test.

    Names added with addHost() resolve for the proxy only (Squid's hosts_file, or nss_wrapper for
    the others), so a test can use "origin.test" for an origin on 127.0.0.2.

    \code
    SquidProxy squid;
    squid.addHost(QStringLiteral("origin.test"), QHostAddress(QStringLiteral("127.0.0.2")));
    QVERIFY2(squid.start(), qPrintable(squid.errorString()));
    // ... connect to squid.host():squid.port() ...
    const ProxyLogEntry e = squid.waitForLogEntry("CONNECT", "origin.test:");
    QCOMPARE(e.status, 403);
    \endcode
    \since 0.2
*/
class ProxyFixture
{
public:
    virtual ~ProxyFixture();
    ProxyFixture(const ProxyFixture &) = delete;
    ProxyFixture &operator=(const ProxyFixture &) = delete;

    /*!
        Starts the proxy and waits until it accepts connections, at most \a timeout. Retries with
        another port when the one picked was taken meanwhile. False with errorString() otherwise.
    */
    bool start(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    /*! Stops the proxy and every process of its group (TERM, then KILL after a grace period). */
    void stop();
    bool isRunning() const;
    QString errorString() const { return m_error; }

    /*! The proxy's short name for messages: "squid", "tinyproxy", ... */
    virtual QString name() const = 0;
    QString host() const { return QStringLiteral("127.0.0.1"); }
    quint16 port() const { return m_port; }
    /*! scheme()://[user:password@]127.0.0.1:port(), credentials included when there are any. */
    QUrl url() const;
    /*! "http"; "https" for a TLS proxy, "socks5" for Dante. */
    virtual QString scheme() const { return QStringLiteral("http"); }
    /*! The temporary directory with the configuration and the logs. */
    QString directory() const { return m_dir.path(); }
    /*! The credentials the proxy accepts; invalid when it asks for none. */
    ProxyCredentials credentials() const { return m_credentials; }

    /*! Makes \a name resolve to \a address for the proxy only. Call before start(). */
    void addHost(const QString &name, const QHostAddress &address);

    /*! The raw text of the proxy's access log (what it logged about requests). */
    QByteArray accessLog() const;
    /*! The access log read as entries, oldest first. */
    QList<ProxyLogEntry> logEntries() const;
    /*!
        Waits (running the event loop) until an entry satisfies \a match and returns it; an entry
        with an empty line when none did within \a timeout. Proxies log a request when it ends
        (Squid logs a tunnel when it closes), so close the connection before waiting.
    */
    ProxyLogEntry waitForLogEntry(const std::function<bool(const ProxyLogEntry &)> &match,
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    /*! The first entry with \a method whose target contains \a target. */
    ProxyLogEntry waitForLogEntry(QByteArrayView method, QByteArrayView target,
        std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    /*! The proxy's own output and error/cache log, for failure messages. */
    QString diagnostics() const;

protected:
    ProxyFixture();

    /*! Writes the configuration into directory() for port(); false with \a error. */
    virtual bool configure(QString *error) = 0;
    virtual QString program() const = 0;
    virtual QStringList arguments() const = 0;
    /*!
        Adds what the proxy needs to its environment; the default preloads the hosts wrapper when
        addHost() was used. False with \a error when a wrapper library is missing.
    */
    virtual bool adjustEnvironment(QProcessEnvironment *environment, QString *error) const;
    /*! The absolute path of the access log. */
    virtual QString accessLogPath() const = 0;
    virtual QList<ProxyLogEntry> parseAccessLog(const QByteArray &text) const = 0;
    /*! Logs quoted by diagnostics() besides the process output, relative to directory(). */
    virtual QStringList diagnosticFiles() const { return {}; }
    /*!
        A line the proxy writes to \a file (relative to directory()) once it listens; when empty
        (the default) readiness is an accepted TCP connection.
    */
    virtual QPair<QString, QByteArray> readinessLogLine() const { return {}; }
    /*! The account the proxy switches to when started as root; its files must be readable. */
    virtual QByteArray unprivilegedUser() const { return QByteArray(); }

    /*! Writes \a content to \a relativePath in directory(); false with \a error. */
    bool writeFile(const QString &relativePath, const QByteArray &content, QString *error) const;
    QString filePath(const QString &relativePath) const;
    void setCredentials(const ProxyCredentials &credentials) { m_credentials = credentials; }
    /*! A random token for passwords (QRandomGenerator::system()). */
    static QString randomToken(int length = 12);
    /*! True when this test runs as root (then proxies drop privileges). */
    static bool runsAsRoot();
    /*! The names of addHost() as a hosts(5) file, "localhost" lines first. */
    QByteArray hostsFile() const;
    bool hasHosts() const { return !m_hosts.isEmpty(); }
    /*! Preloads libnss_wrapper with the addHost() names (the file "hosts"), when there are any. */
    bool preloadHostsWrapper(QProcessEnvironment *environment, QString *error) const;
    /*! Prepends the multiarch library \a fileName to LD_PRELOAD; false with \a error if missing. */
    static bool preload(QProcessEnvironment *environment, const QString &fileName,
        const QString &package, QString *error);
    /*! The path of a library in the multiarch directories, or empty. */
    static QString findLibrary(const QString &fileName);
    /*!
        Entries from Common Log Format lines ('client ident user [time] "METHOD target HTTP/1.1"
        status bytes ...'), as Apache and Privoxy write them; other lines are skipped.
    */
    static QList<ProxyLogEntry> parseCommonLogFormat(const QByteArray &text);
    /*!
        Stops the proxy with \a signal instead of SIGTERM: for a proxy that takes long to exit
        gracefully and has nothing to save. Files matching \a leftovers (directory, name filter)
        are removed after it stopped.
    */
    void setStopSignal(int signal, const QList<QPair<QString, QString>> &leftovers = {})
    {
        m_stopSignal = signal;
        m_leftovers = leftovers;
    }
    /*! The output the process wrote so far (stdout and stderr). */
    QByteArray processOutput() const;

private:
    bool launch(QString *error);
    bool waitUntilReady(std::chrono::milliseconds timeout, QString *error);
    bool isReady() const;
    bool portWasTaken() const;
    void makeDirectoryUsable();

    QTemporaryDir m_dir;
    QProcess m_process;
    qint64 m_group = 0;
    quint16 m_port = 0;
    QString m_error;
    ProxyCredentials m_credentials;
    QList<QPair<QString, QHostAddress>> m_hosts;
    int m_stopSignal;
    QList<QPair<QString, QString>> m_leftovers;
};

} // namespace QtWs::Test

#endif // QTWS_PROXYFIXTURE_H
