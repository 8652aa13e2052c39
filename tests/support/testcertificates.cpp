// SPDX-License-Identifier: LGPL-3.0-or-later
#include "testcertificates.h"

#include <QtCore/QFile>
#include <QtCore/QProcess>

namespace QtWs::Test {

bool TestCertificates::openssl(const QStringList &arguments)
{
    QProcess process;
    process.setWorkingDirectory(m_directory);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(QTWS_OPENSSL_EXECUTABLE), arguments);
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0) {
        m_error = QStringLiteral("openssl %1 failed: %2")
                      .arg(arguments.join(QLatin1Char(' ')),
                          QString::fromLocal8Bit(process.readAll()) + process.errorString());
        return false;
    }
    return true;
}

bool TestCertificates::generate(const QString &directory)
{
    m_directory = directory;
    const QStringList newKey
        = {QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
            QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};
    const QStringList caArgs = QStringList {QStringLiteral("req"), QStringLiteral("-x509")} + newKey
        + QStringList {QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
            QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"),
            QStringLiteral("-subj"), QStringLiteral("/CN=qtws test CA"), QStringLiteral("-addext"),
            QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
            QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")};
    const QStringList csrArgs = QStringList {QStringLiteral("req")} + newKey
        + QStringList {QStringLiteral("-keyout"), QStringLiteral("server.key"),
            QStringLiteral("-out"), QStringLiteral("server.csr"), QStringLiteral("-subj"),
            QStringLiteral("/CN=localhost")};
    if (!openssl(caArgs) || !openssl(csrArgs))
        return false;

    QFile extensions(m_directory + QStringLiteral("/server.ext"));
    if (!extensions.open(QIODevice::WriteOnly)) {
        m_error = extensions.errorString();
        return false;
    }
    extensions.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                     "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n");
    extensions.close();
    if (!openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
            QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
            QStringLiteral("-CAkey"), QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial"),
            QStringLiteral("-out"), QStringLiteral("server.pem"), QStringLiteral("-days"),
            QStringLiteral("2"), QStringLiteral("-extfile"), QStringLiteral("server.ext")}))
        return false;

    m_ca = QSslCertificate::fromPath(caPath()).value(0);
    m_server = QSslCertificate::fromPath(m_directory + QStringLiteral("/server.pem")).value(0);
    QFile keyFile(m_directory + QStringLiteral("/server.key"));
    if (keyFile.open(QIODevice::ReadOnly))
        m_key = QSslKey(&keyFile, QSsl::Ec);
    if (m_ca.isNull() || m_server.isNull() || m_key.isNull()) {
        m_error = QStringLiteral("openssl ran, but its output in %1 could not be loaded")
                      .arg(m_directory);
        return false;
    }
    return true;
}

QSslConfiguration TestCertificates::serverConfiguration() const
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(m_server);
    configuration.setPrivateKey(m_key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}

QSslConfiguration TestCertificates::issueServerConfiguration(
    const QString &name, const QString &subjectAltName, bool expired)
{
    const QString key = name + QStringLiteral(".key");
    const QString csr = name + QStringLiteral(".csr");
    const QString pem = name + QStringLiteral(".pem");
    const QString ext = name + QStringLiteral(".ext");
    if (!openssl({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("ec"),
            QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
            QStringLiteral("-nodes"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), csr,
            QStringLiteral("-subj"), QStringLiteral("/CN=") + name}))
        return {};
    QFile extensions(m_directory + u'/' + ext);
    if (!extensions.open(QIODevice::WriteOnly)) {
        m_error = extensions.errorString();
        return {};
    }
    extensions.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                     "extendedKeyUsage=serverAuth\nsubjectAltName="
        + subjectAltName.toLatin1() + '\n');
    extensions.close();
    // "-days -1" makes notAfter a day before notBefore (now): expired from the start.
    if (!openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
            QStringLiteral("-CA"), QStringLiteral("ca.pem"), QStringLiteral("-CAkey"),
            QStringLiteral("ca.key"), QStringLiteral("-CAcreateserial"), QStringLiteral("-out"),
            pem, QStringLiteral("-days"), expired ? QStringLiteral("-1") : QStringLiteral("2"),
            QStringLiteral("-extfile"), ext}))
        return {};
    const QSslCertificate certificate
        = QSslCertificate::fromPath(m_directory + u'/' + pem).value(0);
    QFile keyFile(m_directory + u'/' + key);
    QSslKey privateKey;
    if (keyFile.open(QIODevice::ReadOnly))
        privateKey = QSslKey(&keyFile, QSsl::Ec);
    if (certificate.isNull() || privateKey.isNull()) {
        m_error = QStringLiteral("openssl ran, but %1 could not be loaded").arg(pem);
        return {};
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(certificate);
    configuration.setPrivateKey(privateKey);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}

} // namespace QtWs::Test
