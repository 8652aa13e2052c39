// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TOOLS_CONNECTIONOPTIONS_H
#define QTWS_TOOLS_CONNECTIONOPTIONS_H

#include <qtws/proxycandidate.h>
#include <qtws/websocketoptions.h>

#include <QtCore/QCommandLineOption>
#include <QtCore/QString>

#include <optional>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
QT_END_NAMESPACE

namespace QtWs::Tools {

/*!
    \class QtWs::Tools::ConnectionOptions
    \brief The options qtws-cat and qtws-probe share: where the proxy decision comes from
    (--proxy, --pac, --no-proxy; by default the system configuration), which CAs to trust
    (--ca-file: the server's and an HTTPS proxy's), the Engine.IO endpoint of the polling fallback
    (--polling-endpoint), and for qtws-cat the strategies (--strategies, --race). Declared once, so both tools spell and check them alike.
*/
class ConnectionOptions
{
public:
    /*! \a withStrategies: also --strategies and --race (qtws-probe tries every strategy). */
    explicit ConnectionOptions(bool withStrategies);

    void addTo(QCommandLineParser &parser) const;
    /*!
        Applies the command line to \a options (proxy configuration, strategies, racing delay,
        trusted CAs). Returns the usage error, empty when every value was valid.
    */
    QString apply(const QCommandLineParser &parser, WebSocketOptions *options) const;

    /*! The help paragraph on the proxy decision, for the application description. */
    static QString proxyHelp();
    /*! "direct, socks, connect, ...": the names of \a strategies as the options read them. */
    static QString strategyList(
        const QList<Strategy> &strategies, const QString &separator = QStringLiteral(", "));

private:
    QString applyProxy(const QCommandLineParser &parser, WebSocketOptions *options) const;
    QString applyStrategies(const QCommandLineParser &parser, WebSocketOptions *options) const;

    bool m_withStrategies;
    const QCommandLineOption m_proxy;
    const QCommandLineOption m_pac;
    const QCommandLineOption m_noProxy;
    const QCommandLineOption m_caFile;
    const QCommandLineOption m_strategies;
    const QCommandLineOption m_race;
    const QCommandLineOption m_pollingEndpoint;
};

/*!
    Reads a --proxy value with the parser the environment's http_proxy goes through (one reading
    for every tool and variable): http:// (port 80), https:// (443), socks4://, socks4a://,
    socks5://, socks5h:// (1080), user:password@ for credentials; without a scheme, HTTP on port
    1080 (curl's default). On failure returns nothing and sets \a error (without the password).
*/
std::optional<ProxyCandidate> parseProxyArgument(const QString &value, QString *error);

/*! Reads a --pac value: a URL (file:, data:, http:, https:) or a path to a file. */
std::optional<QUrl> parsePacArgument(const QString &value, QString *error);

/*! Reads a --strategies value: names as strategyFromName() reads them, comma-separated. */
std::optional<QList<Strategy>> parseStrategiesArgument(const QString &value, QString *error);

} // namespace QtWs::Tools

#endif // QTWS_TOOLS_CONNECTIONOPTIONS_H
