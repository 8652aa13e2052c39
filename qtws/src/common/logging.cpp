// SPDX-License-Identifier: LGPL-3.0-or-later
#include "logging.h"

Q_LOGGING_CATEGORY(lcQtwsClient, "qtws.client", QtWarningMsg)
Q_LOGGING_CATEGORY(lcQtwsProtocol, "qtws.protocol", QtWarningMsg)
Q_LOGGING_CATEGORY(lcQtwsProxy, "qtws.proxy", QtWarningMsg)
Q_LOGGING_CATEGORY(lcQtwsPac, "qtws.pac", QtWarningMsg)
Q_LOGGING_CATEGORY(lcQtwsTransport, "qtws.transport", QtWarningMsg)
Q_LOGGING_CATEGORY(lcQtwsRelay, "qtws.relay", QtWarningMsg)
Q_LOGGING_CATEGORY(lcQtwsBridge, "qtws.bridge", QtWarningMsg)
