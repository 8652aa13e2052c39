// SPDX-License-Identifier: LGPL-3.0-or-later
#include "wpad.h"

#include <QtNetwork/QHostAddress>

namespace QtWs {

namespace {
bool isSecondLevelSuffix(const QString &label)
{
    static const char *const suffixes[] = {"co", "com", "net", "org", "ac", "gov", "edu", "ne",
        "or", "go", "gob", "mil", "nic", "ltd", "plc", "sch", "nhs", "gv", "in", "lg"};
    for (const char *suffix : suffixes) {
        if (label == QLatin1String(suffix))
            return true;
    }
    return false;
}
} // namespace

QStringList wpadCandidateHosts(const QString &rawDomain)
{
    QString domain = rawDomain.trimmed().toLower();
    while (domain.endsWith(u'.'))
        domain.chop(1);
    while (domain.startsWith(u'.'))
        domain.remove(0, 1);
    if (domain.isEmpty() || !QHostAddress(domain).isNull())
        return {};
    QStringList labels = domain.split(u'.');
    for (const QString &label : std::as_const(labels)) {
        if (label.isEmpty())
            return {};
    }
    if (labels.last() == u"local" || labels.last() == u"localhost")
        return {};
    // "wpad.corp.example" -> the domain already starts with wpad: do not ask for wpad.wpad.
    if (labels.first() == u"wpad")
        labels.removeFirst();

    qsizetype keep = 2;
    if (labels.size() >= 2 && labels.last().size() == 2
        && isSecondLevelSuffix(labels.at(labels.size() - 2)))
        keep = 3;
    QStringList hosts;
    for (qsizetype start = 0; labels.size() - start >= keep; ++start)
        hosts.append(QLatin1String("wpad.") + labels.mid(start).join(u'.'));
    return hosts;
}

} // namespace QtWs
