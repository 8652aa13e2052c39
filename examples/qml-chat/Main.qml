// SPDX-License-Identifier: LGPL-3.0-or-later
// The chat window. With "import QtWebSockets" instead of "import Qtws" the same WebSocket code runs
// on Qt's own socket, minus the proxy fallback and the strategy line.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Qtws

ApplicationWindow {
    width: 640
    height: 480
    visible: true
    title: qsTr("qtws QML chat")

    ListModel { id: lines }

    function log(text) {
        lines.append({line: text})
        view.positionViewAtEnd()
    }

    WebSocket {
        id: socket
        url: urlField.text
        // The user's proxy configuration decides (the default, WebSocket.System); through
        // an explicit proxy instead:
        //   proxyMode: WebSocket.Manual; proxies: ["http://proxy.example:3128"]
        onTextMessageReceived: message => log("< " + message)
        onStatusChanged: status => {
            if (status === WebSocket.Open)
                log(qsTr("connected with %1 via %2").arg(strategy).arg(proxyUsed))
            else if (status === WebSocket.Error)
                log(qsTr("error: %1\n%2").arg(errorString).arg(connectReportText))
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 8

        RowLayout {
            TextField {
                id: urlField
                Layout.fillWidth: true
                text: initialUrl
                enabled: !socket.active
            }
            Button {
                text: socket.active ? qsTr("Disconnect") : qsTr("Connect")
                onClicked: socket.active = !socket.active
            }
        }
        ListView {
            id: view
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: lines
            delegate: Text { text: line; wrapMode: Text.Wrap; width: ListView.view.width }
        }
        TextField {
            Layout.fillWidth: true
            placeholderText: qsTr("Message")
            enabled: socket.status === WebSocket.Open
            onAccepted: {
                if (socket.sendTextMessage(text) > 0) {
                    log("> " + text)
                    text = ""
                }
            }
        }
    }
}
