// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_PROBEOUTPUT_H
#define QTWS_PROBEOUTPUT_H

#include "prober.h"

#include <QtCore/QJsonObject>

/*!
    \brief What qtws would do with its default strategies, given the rows of a probe: the first
    row that works in the planner's order (candidates in order, then
    WebSocketOptions::defaultStrategies() in order).
*/
struct ProbeVerdict
{
    bool anyWorks = false; //!< at least one row works (then qtws-probe exits 0)
    bool defaultWorks = false; //!< a default strategy works: qtws connects with default options
    qsizetype row = -1; //!< the row qtws would use, else the first row that works, else -1
    QString text; //!< the one-line verdict
};

ProbeVerdict probeVerdict(const Prober &prober);

/*! The table for a person (and their IT department), ending with the verdict line. */
QString probeTable(const Prober &prober, const ProbeVerdict &verdict);

/*! One JSON document: the URL, the proxy decision, every row with its whole report, the verdict. */
QJsonObject probeJson(const Prober &prober, const ProbeVerdict &verdict);

#endif // QTWS_PROBEOUTPUT_H
