// SPDX-License-Identifier: LGPL-3.0-or-later
// The QML type WebSocket of "import Qtws": Qt's QML WebSocket API against Qt's QWebSocketServer, and
// the qtws additions (proxies, strategies, the connection report) through Debian's tinyproxy.
import QtQuick
import QtTest
import Qtws

TestCase {
    id: root
    name: "QmlWebSocket"

    Component {
        id: socketComponent
        WebSocket { }
    }
    Component {
        id: spyComponent
        SignalSpy { }
    }

    property var received: []

    function initTestCase() {
        verify(peers.error === "", peers.error)
    }

    function init() {
        received = []
    }

    // A socket with the given properties, inactive until the test says so.
    function makeSocket(properties) {
        const socket = createTemporaryObject(socketComponent, root, properties)
        verify(socket !== null)
        socket.textMessageReceived.connect(message => received.push(message))
        socket.binaryMessageReceived.connect(message => received.push(message))
        return socket
    }

    function spy(target, signalName) {
        return createTemporaryObject(spyComponent, root, {target: target, signalName: signalName})
    }

    function test_initialState() {
        const socket = makeSocket({})
        compare(socket.status, WebSocket.Closed)
        compare(socket.active, false)
        compare(socket.errorString, "")
        compare(socket.negotiatedSubprotocol, "")
        compare(socket.proxyMode, WebSocket.System)
        compare(socket.strategy, "")
    }

    function test_echoDirect() {
        const socket = makeSocket({url: peers.echoUrl})
        const statuses = spy(socket, "statusChanged")
        socket.active = true
        tryCompare(socket, "status", WebSocket.Open)
        compare(statuses.signalArguments[0][0], WebSocket.Connecting)
        // Loopback goes DIRECT, as in browsers, whatever the system configuration says.
        compare(socket.strategy, "direct")
        compare(socket.proxyUsed, "DIRECT")
        verify(socket.connectReport.connected)
        verify(socket.connectReportText.indexOf("connected with direct") >= 0, socket.connectReportText)

        compare(socket.sendTextMessage("hello from QML"), 14)
        tryCompare(received, "length", 1)
        compare(received[0], "hello from QML")

        const bytes = new Uint8Array([0, 1, 2, 250, 255])
        compare(socket.sendBinaryMessage(bytes.buffer), 5)
        tryCompare(received, "length", 2)
        verify(received[1] instanceof ArrayBuffer)
        compare(Array.from(new Uint8Array(received[1])), [0, 1, 2, 250, 255])

        socket.active = false
        tryCompare(socket, "status", WebSocket.Closed)
        compare(socket.errorString, "")
    }

    function test_subprotocols() {
        const socket = makeSocket({url: peers.echoUrl, requestedSubprotocols: ["qtws.none", "qtws.test"]})
        socket.active = true
        tryCompare(socket, "status", WebSocket.Open)
        compare(socket.negotiatedSubprotocol, "qtws.test")
        socket.active = false
        tryCompare(socket, "status", WebSocket.Closed)
    }

    function test_urlChangeReopens() {
        const socket = makeSocket({url: peers.echoUrl, active: true})
        tryCompare(socket, "status", WebSocket.Open)
        const other = peers.echoUrl.toString().replace(/\/$/, "/other")
        socket.url = other
        tryCompare(socket, "status", WebSocket.Open)
        compare(socket.connectReport.url, other)
        socket.sendTextMessage("again")
        tryCompare(received, "length", 1)
        compare(received[0], "again")
    }

    function test_sendWhileClosed() {
        const socket = makeSocket({url: peers.echoUrl})
        // As Qt's type: nothing is sent, and the object reports it.
        compare(socket.sendTextMessage("nobody"), 0)
        compare(socket.status, WebSocket.Error)
        verify(socket.errorString.indexOf("only be sent when the socket is open") >= 0, socket.errorString)
    }

    function test_throughTinyproxy() {
        const socket = makeSocket({
            url: peers.echoUrl,
            proxyMode: WebSocket.Manual,
            proxies: [peers.proxyUrl],
            proxyLoopback: true,
            strategies: ["connect"]
        })
        const finished = spy(socket, "connectAttemptFinished")
        socket.active = true
        tryCompare(socket, "status", WebSocket.Open, 20000)
        compare(socket.strategy, "connect")
        compare(socket.proxyUsed, peers.proxyPac)
        compare(finished.count, 1)
        const attempt = finished.signalArguments[0][0]
        compare(attempt.strategy, "connect")
        compare(attempt.outcome, "succeeded")
        compare(attempt.hop.pac, peers.proxyPac)
        socket.sendTextMessage("through tinyproxy")
        tryCompare(received, "length", 1)
        compare(received[0], "through tinyproxy")
    }

    function test_proxyRefusesConnect() {
        // tinyproxy with ConnectPort 443 563: CONNECT to the echo server's port gets 403.
        const socket = makeSocket({
            url: peers.echoUrl,
            proxyMode: WebSocket.Manual,
            proxies: [peers.strictProxyUrl],
            proxyLoopback: true,
            strategies: ["connect"]
        })
        socket.active = true
        tryCompare(socket, "status", WebSocket.Error, 20000)
        verify(socket.errorString.indexOf("403") >= 0, socket.errorString)
        const report = socket.connectReport
        compare(report.connected, false)
        compare(report.attempts.length, 1)
        compare(report.attempts[0].failure, "proxyRefused")
        compare(report.attempts[0].statusCode, 403)
        compare(socket.strategy, "")
        // The error stays until the next open; active stays as the application set it.
        compare(socket.active, true)
    }

    function test_pacFailsClosed() {
        const socket = makeSocket({
            url: peers.echoUrl,
            proxyMode: WebSocket.Pac,
            pacUrl: "data:,function%20FindProxyForURL(u,h)%7Bthrow%201;%7D",
            proxyLoopback: true
        })
        socket.active = true
        tryCompare(socket, "status", WebSocket.Error)
        verify(socket.errorString.indexOf("PAC") >= 0, socket.errorString)
        compare(socket.connectReport.attempts.length, 0)
    }

    function test_badProperties_data() {
        return [
            {tag: "unknown strategy", props: {strategies: ["tunnel"]}, says: "unknown strategy \"tunnel\""},
            {tag: "manual without proxies", props: {proxyMode: WebSocket.Manual}, says: "proxies is empty"},
            {tag: "bad proxy URL", props: {proxyMode: WebSocket.Manual, proxies: ["ftp://proxy:21"]}, says: "ftp"},
            {tag: "pac without URL", props: {proxyMode: WebSocket.Pac}, says: "pacUrl"},
            {tag: "negative racing delay", props: {racingDelay: -1}, says: "racingDelay"}
        ]
    }

    function test_badProperties(data) {
        const properties = Object.assign({url: peers.echoUrl}, data.props)
        const socket = makeSocket(properties)
        socket.active = true
        compare(socket.status, WebSocket.Error)
        verify(socket.errorString.indexOf(data.says) >= 0, socket.errorString)
    }
}
