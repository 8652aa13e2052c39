// SPDX-License-Identifier: LGPL-3.0-or-later
#include "systemproxysettings.h"

#include "common/logging.h"
#include "proxyurl.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTextStream>

namespace QtWs {

namespace {

constexpr std::chrono::milliseconds GsettingsTimeout {3000};
constexpr qint64 MaxKioslavercSize = 1024 * 1024;

// The value of the first of \a names that is set (even to the empty string, which then means
// "none").
std::optional<std::pair<QString, QString>> firstSet(
    const QProcessEnvironment &env, std::initializer_list<const char *> names)
{
    for (const char *name : names) {
        const QString key = QLatin1String(name);
        if (env.contains(key))
            return std::make_pair(key, env.value(key));
    }
    return std::nullopt;
}

std::optional<QString> runGsettings()
{
    const QString program = QStandardPaths::findExecutable(QStringLiteral("gsettings"));
    if (program.isEmpty())
        return std::nullopt;
    QProcess process;
    process.start(
        program, {QStringLiteral("list-recursively"), QStringLiteral("org.gnome.system.proxy")});
    if (!process.waitForFinished(int(GsettingsTimeout.count()))) {
        process.kill();
        process.waitForFinished(1000);
        qCWarning(lcQtwsProxy,
            "gsettings did not answer within %lld ms; GNOME proxy settings ignored",
            qint64(GsettingsTimeout.count()));
        return std::nullopt;
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return std::nullopt; // schema not installed
    return QString::fromUtf8(process.readAllStandardOutput());
}

// GVariant text format (as gsettings prints it): 'string' or "string" with backslash escapes,
// [a, b] arrays (@as [] when empty), numbers, true/false. Returns every string literal in \a text,
// in order.
QStringList gvariantStrings(const QString &text)
{
    QStringList out;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar quote = text.at(i);
        if (quote != u'\'' && quote != u'"')
            continue;
        QString value;
        ++i;
        for (; i < text.size() && text.at(i) != quote; ++i) {
            if (text.at(i) == u'\\' && i + 1 < text.size())
                ++i;
            value += text.at(i);
        }
        out.append(value);
    }
    return out;
}

QString gvariantString(const QString &text)
{
    const QStringList strings = gvariantStrings(text);
    return strings.isEmpty() ? QString() : strings.first();
}

QUrl urlFromUserValue(const QString &value)
{
    const QString trimmed = value.trimmed();
    if (trimmed.contains(QLatin1String("://"))
        || trimmed.startsWith(QLatin1String("data:"), Qt::CaseInsensitive)
        || trimmed.startsWith(QLatin1String("file:"), Qt::CaseInsensitive))
        return QUrl(trimmed);
    return QUrl::fromLocalFile(QDir::current().absoluteFilePath(trimmed));
}

// KDE writes proxies as "http://host 8080", "host 8080" or "http://host:8080".
QString kdeProxyValue(QString value, const QString &defaultScheme)
{
    value = value.trimmed();
    if (value.isEmpty())
        return value;
    const qsizetype space = value.lastIndexOf(u' ');
    if (space > 0) {
        const QString port = value.mid(space + 1).trimmed();
        value = value.left(space).trimmed();
        if (port != u"0" && !port.isEmpty())
            value += u':' + port;
    }
    if (!value.contains(QLatin1String("://")))
        value = defaultScheme + QLatin1String("://") + value;
    return value;
}

QString kconfigUnescape(const QString &value)
{
    QString out;
    out.reserve(value.size());
    for (qsizetype i = 0; i < value.size(); ++i) {
        if (value.at(i) == u'\\' && i + 1 < value.size()) {
            const QChar next = value.at(++i);
            out += next == u's' ? QChar(u' ')
                : next == u't'  ? QChar(u'\t')
                : next == u'n'  ? QChar(u'\n')
                                : next;
        } else {
            out += value.at(i);
        }
    }
    return out;
}

const QString &gnomeSchema()
{
    static const QString schema = QStringLiteral("org.gnome.system.proxy");
    return schema;
}

// "org.gnome.system.proxy.http host 'p'" lines as {"http.host": "'p'"}, "org.gnome.system.proxy
// mode 'manual'" as {"mode": "'manual'"}.
QHash<QString, QString> gsettingsValues(const QString &output)
{
    const QString &schema = gnomeSchema();
    QHash<QString, QString> values;
    const QStringList lines = output.split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        const qsizetype firstSpace = line.indexOf(u' ');
        const qsizetype secondSpace = firstSpace < 0 ? -1 : line.indexOf(u' ', firstSpace + 1);
        if (secondSpace < 0)
            continue;
        const QString schemaName = line.left(firstSpace);
        if (!schemaName.startsWith(schema))
            continue;
        QString key = schemaName.mid(schema.size());
        if (key.startsWith(u'.'))
            key = key.mid(1) + u'.';
        key += line.mid(firstSpace + 1, secondSpace - firstSpace - 1);
        values.insert(key, line.mid(secondSpace + 1).trimmed());
    }
    return values;
}

// One of GNOME's manual proxies ("http", "https", "socks"), if its host is set.
std::optional<ProxyCandidate> gnomeProxy(const QHash<QString, QString> &values,
    const QString &group, ProxyCandidate::Type type, SystemProxySettings *settings)
{
    const QString host = gvariantString(values.value(group + QLatin1String(".host"))).trimmed();
    if (host.isEmpty())
        return std::nullopt;
    const int port = values.value(group + QLatin1String(".port")).trimmed().toInt();
    const QString origin = gnomeSchema() + u'.' + group;
    if (port <= 0 || port > 65535) {
        settings->warnings.append(
            QStringLiteral("%1: invalid port for host '%2', entry ignored").arg(origin, host));
        return std::nullopt;
    }
    ProxyCandidate candidate(type, host, quint16(port), ProxyCandidate::Source::Desktop, origin);
    if (group == u"http" && values.value(QStringLiteral("http.use-authentication")) == u"true")
        candidate.setCredentials(
            gvariantString(values.value(QStringLiteral("http.authentication-user"))),
            gvariantString(values.value(QStringLiteral("http.authentication-password"))));
    return candidate;
}

void setGnomeManualProxies(const QHash<QString, QString> &values, SystemProxySettings *settings)
{
    ProxyConfiguration &config = settings->configuration;
    config.setMode(ProxyConfiguration::Mode::Manual);
    // GNOME's "https" proxy is the (plain HTTP) proxy used for https targets; "socks" serves every
    // target without a proxy of its own. use-same-proxy (deprecated, default true) lends the http
    // proxy to https targets only when no https proxy is set.
    const auto http
        = gnomeProxy(values, QStringLiteral("http"), ProxyCandidate::Type::Http, settings);
    auto https = gnomeProxy(values, QStringLiteral("https"), ProxyCandidate::Type::Http, settings);
    const auto socks
        = gnomeProxy(values, QStringLiteral("socks"), ProxyCandidate::Type::Socks5, settings);
    if (!https && http && values.value(QStringLiteral("use-same-proxy")) == u"true")
        https = http;
    if (http)
        config.setManualProxies(QStringLiteral("http"), {*http});
    if (https)
        config.setManualProxies(QStringLiteral("https"), {*https});
    if (socks)
        config.setManualProxies({*socks});
}

// KDE's ProxyType values (KProtocolManager::ProxyType).
enum class KdeProxyType {
    None = 0,
    Manual = 1,
    Pac = 2,
    Wpad = 3,
    Environment = 4, // the keys hold the names of environment variables
};

// The keys of the [Proxy Settings] group of a kioslaverc, unescaped; nullopt when the file cannot
// be read or is too large to be a settings file.
std::optional<QHash<QString, QString>> readKdeProxyGroup(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > MaxKioslavercSize)
        return std::nullopt;
    QHash<QString, QString> values;
    bool inGroup = false;
    QTextStream stream(&file);
    while (!stream.atEnd()) {
        const QString line = stream.readLine().trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (line.startsWith(u'[')) {
            inGroup = line == u"[Proxy Settings]";
            continue;
        }
        const qsizetype eq = line.indexOf(u'=');
        if (!inGroup || eq <= 0)
            continue;
        QString key = line.left(eq).trimmed();
        const qsizetype bracket = key.indexOf(u'['); // localised or flagged keys: Key[$e]
        if (bracket > 0)
            key.truncate(bracket);
        values.insert(key, kconfigUnescape(line.mid(eq + 1).trimmed()));
    }
    return values;
}

// A key's value; with ProxyType Environment, the value of the variable the key names.
struct KdeValues
{
    const QHash<QString, QString> &values;
    const QProcessEnvironment &env;
    bool fromEnvironment;

    QString operator()(const QString &key) const
    {
        const QString v = values.value(key).trimmed();
        if (!fromEnvironment)
            return v;
        return env.value(v, env.value(v.toLower()));
    }
};

void setKdeManualProxies(const KdeValues &value, const QString &path, SystemProxySettings *settings)
{
    ProxyConfiguration &config = settings->configuration;
    config.setMode(ProxyConfiguration::Mode::Manual);
    const auto add = [&](const QString &key, const QString &scheme, const QString &defaultScheme) {
        const QString raw = value(key);
        if (raw.isEmpty())
            return;
        QString error;
        const QString origin = path + QLatin1String(" [Proxy Settings] ") + key;
        const auto candidate
            = parseProxyUrl(value.fromEnvironment ? raw : kdeProxyValue(raw, defaultScheme),
                ProxyCandidate::Source::Desktop, origin, &error);
        if (!candidate)
            settings->warnings.append(error);
        else if (scheme.isEmpty())
            config.setManualProxies({*candidate});
        else
            config.setManualProxies(scheme, {*candidate});
    };
    add(QStringLiteral("httpProxy"), QStringLiteral("http"), QStringLiteral("http"));
    add(QStringLiteral("httpsProxy"), QStringLiteral("https"), QStringLiteral("http"));
    add(QStringLiteral("socksProxy"), QString(), QStringLiteral("socks5"));
}

} // namespace

SystemProxyEnvironment SystemProxyEnvironment::fromProcess()
{
    SystemProxyEnvironment system;
    system.environment = QProcessEnvironment::systemEnvironment();
    system.gnomeSettings = runGsettings;
    return system;
}

DesktopKind detectDesktop(const QProcessEnvironment &env)
{
    if (env.value(QStringLiteral("KDE_FULL_SESSION")).compare(u"true", Qt::CaseInsensitive) == 0)
        return DesktopKind::Kde;
    // XDG_CURRENT_DESKTOP is a colon-separated list, most specific first ("ubuntu:GNOME").
    const QStringList desktops
        = env.value(QStringLiteral("XDG_CURRENT_DESKTOP")).split(u':', Qt::SkipEmptyParts);
    for (const QString &desktop : desktops) {
        const QString d = desktop.toLower();
        if (d == u"kde")
            return DesktopKind::Kde;
        // These desktops all keep their proxy settings in org.gnome.system.proxy.
        if (d == u"gnome" || d == u"unity" || d == u"x-cinnamon" || d == u"cinnamon"
            || d == u"budgie" || d == u"budgie-desktop" || d == u"pantheon" || d == u"mate"
            || d == u"gnome-flashback" || d == u"gnome-classic")
            return DesktopKind::Gnome;
    }
    return DesktopKind::None;
}

std::optional<SystemProxySettings> readEnvironmentProxySettings(const QProcessEnvironment &env)
{
    // curl reads the lower-case name first. It ignores upper-case HTTP_PROXY because a CGI program
    // gets request headers as HTTP_* variables (httpoxy); qtws is no CGI program and reads it last.
    const auto http = firstSet(env, {"http_proxy", "HTTP_PROXY"});
    const auto https = firstSet(env, {"https_proxy", "HTTPS_PROXY"});
    const auto all = firstSet(env, {"all_proxy", "ALL_PROXY"});
    if (!http && !https && !all)
        return std::nullopt;

    SystemProxySettings settings;
    settings.source = ProxyCandidate::Source::Environment;
    settings.origin = QStringLiteral("environment");
    ProxyConfiguration &config = settings.configuration;
    config.setMode(ProxyConfiguration::Mode::Manual);

    const auto add
        = [&](const std::optional<std::pair<QString, QString>> &variable, const QString &scheme) {
              if (!variable || variable->second.trimmed().isEmpty())
                  return;
              QString error;
              const auto candidate = parseProxyUrl(
                  variable->second, ProxyCandidate::Source::Environment, variable->first, &error);
              if (!candidate) {
                  settings.warnings.append(error);
                  qCWarning(lcQtwsProxy, "%ls", qUtf16Printable(error));
                  return;
              }
              if (scheme.isEmpty())
                  config.setManualProxies(QList<ProxyCandidate> {*candidate});
              else
                  config.setManualProxies(scheme, QList<ProxyCandidate> {*candidate});
          };
    add(http, QStringLiteral("http"));
    add(https, QStringLiteral("https"));
    add(all, QString());
    if (const auto noProxy = firstSet(env, {"no_proxy", "NO_PROXY"}))
        config.setNoProxyList(QStringList {noProxy->second});
    return settings;
}

std::optional<SystemProxySettings> readGnomeProxySettings(const QString &output)
{
    const QHash<QString, QString> values = gsettingsValues(output);
    if (!values.contains(QStringLiteral("mode")))
        return std::nullopt;

    SystemProxySettings settings;
    settings.source = ProxyCandidate::Source::Desktop;
    settings.origin = gnomeSchema();
    ProxyConfiguration &config = settings.configuration;
    const QString mode = gvariantString(values.value(QStringLiteral("mode")));
    if (mode == u"none") {
        config.setMode(ProxyConfiguration::Mode::NoProxy);
        return settings;
    }
    config.setNoProxyList(gvariantStrings(values.value(QStringLiteral("ignore-hosts"))));
    if (mode == u"auto") {
        const QString pac
            = gvariantString(values.value(QStringLiteral("autoconfig-url"))).trimmed();
        if (pac.isEmpty())
            config.setMode(ProxyConfiguration::Mode::AutoDetect); // GNOME: an empty URL means WPAD
        else
            config.setPacUrl(urlFromUserValue(pac));
        return settings;
    }
    if (mode != u"manual") {
        settings.warnings.append(
            QStringLiteral("org.gnome.system.proxy: unknown mode '%1', no proxy used").arg(mode));
        config.setMode(ProxyConfiguration::Mode::NoProxy);
        return settings;
    }
    setGnomeManualProxies(values, &settings);
    return settings;
}

std::optional<SystemProxySettings> readKdeProxySettings(
    const QString &path, const QProcessEnvironment &env)
{
    const std::optional<QHash<QString, QString>> values = readKdeProxyGroup(path);
    if (!values || !values->contains(QStringLiteral("ProxyType")))
        return std::nullopt;

    SystemProxySettings settings;
    settings.source = ProxyCandidate::Source::Desktop;
    settings.origin = path;
    ProxyConfiguration &config = settings.configuration;
    const int number = values->value(QStringLiteral("ProxyType")).toInt();
    const auto type = KdeProxyType(number);
    const KdeValues value {*values, env, type == KdeProxyType::Environment};
    switch (type) {
    case KdeProxyType::None:
        config.setMode(ProxyConfiguration::Mode::NoProxy);
        return settings;
    case KdeProxyType::Pac:
        config.setPacUrl(urlFromUserValue(values->value(QStringLiteral("Proxy Config Script"))));
        break;
    case KdeProxyType::Wpad:
        config.setMode(ProxyConfiguration::Mode::AutoDetect);
        break;
    case KdeProxyType::Manual:
    case KdeProxyType::Environment:
        setKdeManualProxies(value, path, &settings);
        break;
    default:
        settings.warnings.append(
            QStringLiteral("%1: unknown ProxyType %2, no proxy used").arg(path).arg(number));
        config.setMode(ProxyConfiguration::Mode::NoProxy);
        return settings;
    }
    config.setNoProxyList(QStringList {value(QStringLiteral("NoProxyFor"))});
    config.setNoProxyListReversed(values->value(QStringLiteral("ReversedException")) == u"true");
    return settings;
}

SystemProxySettings readSystemProxySettings(const SystemProxyEnvironment &system)
{
    const QProcessEnvironment &env = system.environment;
    const QString pacUrl = env.value(QStringLiteral("QTWS_PAC_URL")).trimmed();
    if (!pacUrl.isEmpty()) {
        SystemProxySettings settings;
        settings.source = ProxyCandidate::Source::Pac;
        settings.origin = QStringLiteral("QTWS_PAC_URL");
        settings.configuration.setPacUrl(urlFromUserValue(pacUrl));
        if (const auto fromEnv = readEnvironmentProxySettings(env))
            settings.configuration.setNoProxyList(fromEnv->configuration.noProxyList());
        return settings;
    }
    if (auto fromEnv = readEnvironmentProxySettings(env))
        return *fromEnv;

    switch (detectDesktop(env)) {
    case DesktopKind::Gnome:
        if (system.gnomeSettings) {
            if (const auto output = system.gnomeSettings()) {
                if (auto gnome = readGnomeProxySettings(*output))
                    return *gnome;
            }
        }
        break;
    case DesktopKind::Kde: {
        QString dir = system.kdeConfigDir;
        if (dir.isEmpty())
            dir = env.value(QStringLiteral("XDG_CONFIG_HOME"));
        if (dir.isEmpty() && env.contains(QStringLiteral("HOME")))
            dir = env.value(QStringLiteral("HOME")) + QLatin1String("/.config");
        if (!dir.isEmpty()) {
            if (auto kde = readKdeProxySettings(dir + QLatin1String("/kioslaverc"), env))
                return *kde;
        }
        break;
    }
    case DesktopKind::None:
        break;
    }
    SystemProxySettings none;
    none.source = ProxyCandidate::Source::Environment;
    none.origin = QStringLiteral("no system proxy configuration");
    return none;
}

} // namespace QtWs
