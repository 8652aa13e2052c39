// SPDX-License-Identifier: LGPL-3.0-or-later
#ifndef QTWS_TESTCERTIFICATES_H
#define QTWS_TESTCERTIFICATES_H

#include <QtCore/QString>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslConfiguration>
#include <QtNetwork/QSslKey>

namespace QtWs::Test {

/*!
    A throwaway certificate authority and a server certificate it signed for localhost and
    127.0.0.1 (P-256 keys, valid for two days), made with the openssl command line tool in a
    directory the test owns. Nothing is trusted by default: a test that wants the server trusted
    adds ca() to its client's configuration, so the "untrusted" and "trusted" paths are both real.
*/
class TestCertificates
{
public:
    /*! Creates ca.pem, server.pem and server.key in \a directory; false with errorString() on
        failure. */
    bool generate(const QString &directory);
    QString errorString() const { return m_error; }

    QSslCertificate ca() const { return m_ca; }
    QSslCertificate serverCertificate() const { return m_server; }
    QSslKey serverKey() const { return m_key; }
    QString caPath() const { return m_directory + QStringLiteral("/ca.pem"); }

    /*! A server-side TLS configuration with the certificate and key; peers are not verified. */
    QSslConfiguration serverConfiguration() const;

    /*!
        Signs one more server certificate with ca(), for \a subjectAltName (as openssl writes it:
        "DNS:other.test,IP:10.0.0.1"), already expired when \a expired (valid for two days
        otherwise), and returns a server-side TLS configuration with it and its new key, or an
        empty configuration with errorString() on failure. \a name names the files generate()'s
        directory gets. For the hostile-peer tests: the wrong host, the expired certificate.
    */
    QSslConfiguration issueServerConfiguration(
        const QString &name, const QString &subjectAltName, bool expired);

private:
    bool openssl(const QStringList &arguments);

    QString m_directory;
    QString m_error;
    QSslCertificate m_ca;
    QSslCertificate m_server;
    QSslKey m_key;
};

} // namespace QtWs::Test

#endif // QTWS_TESTCERTIFICATES_H
