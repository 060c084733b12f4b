#pragma once

#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QTextStream>

#include "core/crypto/keystore.h"

// Shared conventions of microgrid-cli: exit 0 on success, 1 when a check finds a problem
// (verify), 2 on bad usage or bad input with a one-line error naming the file/field/row.
namespace mg::cli {

enum ExitCode { ExitOk = 0, ExitFindings = 1, ExitUsage = 2 };

QTextStream &out();
QTextStream &err();

// Prints "microgrid-cli <command>: <message>" to stderr and returns ExitUsage.
int usageError(const QString &command, const QString &message);
// Parses args (args[0] is the command name) and reports unknown options/positionals as usage errors.
bool parse(QCommandLineParser &parser, const QStringList &args, const QString &command, int *exitCode);
void printJson(const QJsonObject &object);
// MG_SCRYPT_LOG2N (10..20) lowers the scrypt cost of new passwords and keys: a knob for tests and
// throwaway demos only; unset, the default (interactive) cost is used.
Result<crypto::ScryptParams> scryptParamsFromEnv();

using Command = int (*)(const QStringList &args);

int cmdVerify(const QStringList &args);
int cmdBench(const QStringList &args);
int cmdElect(const QStringList &args);
int cmdRun(const QStringList &args);
int cmdOrders(const QStringList &args);
int cmdTrades(const QStringList &args);
int cmdAccounts(const QStringList &args);
int cmdUser(const QStringList &args);
int cmdRegulate(const QStringList &args);
int benchCrypto(bool json);
int benchStore(bool json);
// minutes: the 100-node runs; minutes40x: the 4,000-node runs (0 skips them).
int benchPaper(bool json, double minutes, double minutes40x);

} // namespace mg::cli
