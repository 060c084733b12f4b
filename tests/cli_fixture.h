#pragma once

// Runs the real microgrid-cli (its path is the compile definition MG_TEST_CLI) as a user would.

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>

namespace test {

struct CliRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

inline CliRun cli(const QStringList &args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(QStringLiteral(MG_TEST_CLI), args);
    CliRun r;
    if (!p.waitForStarted(10000)) {
        r.err = "could not start " MG_TEST_CLI;
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

inline QJsonObject parseObject(const QByteArray &bytes, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = pe.errorString() + QStringLiteral(" in: ") + QString::fromUtf8(bytes.left(500));
        return {};
    }
    return doc.object();
}

} // namespace test
