#include "core/roster/roster_csv.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLocale>
#include <QStringDecoder>

#include <cmath>

namespace mg::roster {

namespace {

enum Column {
    IdColumn,
    NameColumn,
    RoleColumn,
    RenewableColumn,
    EnvironmentalColumn,
    CostColumn,
    StabilityColumn,
    ScoreColumn,
    GroupColumn,
    LatColumn,
    LonColumn,
    CapacityColumn,
    ColumnCount
};

constexpr const char *columnNames[ColumnCount] = {
    "id", "name", "role", "renewable", "environmental", "cost",
    "stability", "score", "group", "lat", "lon", "capacity_kw",
};

const QString csvCode = QStringLiteral("roster.csv");

struct CsvField
{
    QByteArray text;
    bool quoted = false;
};

struct CsvRecord
{
    int line = 0; // physical line the record starts on (1-based)
    QList<CsvField> fields;
};

// Splits bytes into records. Keeps the first syntax error with its line and field index so the
// caller can name the column once the header is known.
class CsvTokenizer
{
public:
    explicit CsvTokenizer(QByteArrayView data) : m_data(data) {}

    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    int errorLine() const { return m_errorLine; }
    int errorField() const { return m_errorField; }

    // Next non-blank record; false at the end or on error.
    bool next(CsvRecord &record)
    {
        while (!failed() && m_pos < m_data.size()) {
            record = CsvRecord{m_line, {}};
            if (!readRecord(record))
                return false;
            const bool blank = record.fields.size() == 1 && !record.fields[0].quoted
                && record.fields[0].text.isEmpty();
            if (!blank)
                return true;
        }
        return false;
    }

private:
    static bool isSpace(char c) { return c == ' ' || c == '\t'; }

    bool readRecord(CsvRecord &record)
    {
        for (;;) {
            CsvField field;
            while (m_pos < m_data.size() && isSpace(m_data[m_pos]))
                ++m_pos;
            if (m_pos < m_data.size() && m_data[m_pos] == '"') {
                field.quoted = true;
                const int quoteLine = m_line;
                ++m_pos;
                bool closed = false;
                while (m_pos < m_data.size()) {
                    const char c = m_data[m_pos++];
                    if (c == '"') {
                        if (m_pos < m_data.size() && m_data[m_pos] == '"') {
                            field.text.append('"');
                            ++m_pos;
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        if (c == '\n')
                            ++m_line;
                        field.text.append(c);
                    }
                }
                if (!closed)
                    return fail(quoteLine, record.fields.size(),
                                QStringLiteral("unterminated quote (opened on line %1)").arg(quoteLine));
                while (m_pos < m_data.size() && isSpace(m_data[m_pos]))
                    ++m_pos;
                if (m_pos < m_data.size() && !isDelimiter(m_data[m_pos]))
                    return fail(m_line, record.fields.size(),
                                QStringLiteral("unexpected character after closing quote"));
            } else {
                const qsizetype start = m_pos;
                while (m_pos < m_data.size() && !isDelimiter(m_data[m_pos]))
                    ++m_pos;
                qsizetype end = m_pos;
                while (end > start && isSpace(m_data[end - 1]))
                    --end;
                field.text = m_data.sliced(start, end - start).toByteArray();
            }
            record.fields.append(std::move(field));

            if (m_pos >= m_data.size())
                return true;
            const char c = m_data[m_pos++];
            if (c == ',')
                continue;
            if (c == '\r' && m_pos < m_data.size() && m_data[m_pos] == '\n')
                ++m_pos;
            ++m_line;
            return true;
        }
    }

    static bool isDelimiter(char c) { return c == ',' || c == '\n' || c == '\r'; }

    bool fail(int line, qsizetype field, const QString &message)
    {
        m_errorLine = line;
        m_errorField = int(field);
        m_error = message;
        return false;
    }

    QByteArrayView m_data;
    qsizetype m_pos = 0;
    int m_line = 1;
    QString m_error;
    int m_errorLine = 0;
    int m_errorField = 0;
};

// Quotes a value in an error message, shortened so a garbage cell cannot flood the message.
QString shown(const QString &value)
{
    constexpr int maxShown = 40;
    if (value.size() <= maxShown)
        return QLatin1Char('\'') + value + QLatin1Char('\'');
    return QLatin1Char('\'') + value.left(maxShown) + QStringLiteral("...'");
}

QString shortestNumber(double v)
{
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

class RosterParser
{
public:
    explicit RosterParser(const QString &source) : m_source(source) {}

    Result<QList<NodeInfo>> parse(QByteArrayView csv)
    {
        if (csv.startsWith("\xEF\xBB\xBF"))
            csv = csv.sliced(3);
        CsvTokenizer tokenizer(csv);
        CsvRecord header;
        if (!tokenizer.next(header)) {
            if (tokenizer.failed())
                return tokenizerError(tokenizer);
            return fail(1, QString(), QStringLiteral("file is empty (no header row)"));
        }
        if (!readHeader(header))
            return m_error;

        QList<NodeInfo> nodes;
        QHash<QString, int> idLines;
        CsvRecord record;
        while (tokenizer.next(record)) {
            NodeInfo node;
            if (!readRow(record, node))
                return m_error;
            const auto seen = idLines.constFind(node.id);
            if (seen != idLines.constEnd()) {
                return fail(record.line, columnName(IdColumn),
                            QStringLiteral("duplicate id %1 (first on line %2)").arg(shown(node.id)).arg(*seen));
            }
            idLines.insert(node.id, record.line);
            nodes.append(std::move(node));
        }
        if (tokenizer.failed())
            return tokenizerError(tokenizer);
        return nodes;
    }

private:
    static QString columnName(int column) { return QLatin1String(columnNames[column]); }

    // Column as named in messages: its header name, or its 1-based position if there is none.
    QString fieldName(int fieldIndex) const
    {
        if (fieldIndex < m_fieldColumns.size())
            return columnName(m_fieldColumns[fieldIndex]);
        return QString::number(fieldIndex + 1);
    }

    Error makeError(int line, const QString &column, const QString &what) const
    {
        QString message = m_source + QStringLiteral(" line ") + QString::number(line);
        if (!column.isEmpty())
            message += QStringLiteral(", column '") + column + QLatin1Char('\'');
        message += QStringLiteral(": ") + what;
        return Error{csvCode, message};
    }

    Error fail(int line, const QString &column, const QString &what)
    {
        m_error = makeError(line, column, what);
        return m_error;
    }

    Error tokenizerError(const CsvTokenizer &tokenizer)
    {
        return fail(tokenizer.errorLine(), fieldName(tokenizer.errorField()), tokenizer.error());
    }

    bool decodeUtf8(const QByteArray &bytes, int line, const QString &column, QString &out)
    {
        // ConvertInitialBom: a leading U+FEFF is data here, not a marker to drop.
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
        out = decoder.decode(bytes);
        if (decoder.hasError()) {
            fail(line, column, QStringLiteral("value is not valid UTF-8"));
            return false;
        }
        return true;
    }

    bool readHeader(const CsvRecord &header)
    {
        int positions[ColumnCount];
        std::fill(std::begin(positions), std::end(positions), -1);
        for (int i = 0; i < header.fields.size(); ++i) {
            QString name;
            if (!decodeUtf8(header.fields[i].text, header.line, QString::number(i + 1), name))
                return false;
            name = name.trimmed().toLower();
            if (name.isEmpty()) {
                fail(header.line, QString::number(i + 1), QStringLiteral("empty column name"));
                return false;
            }
            int column = -1;
            for (int c = 0; c < ColumnCount; ++c) {
                if (name == QLatin1String(columnNames[c]))
                    column = c;
            }
            if (column < 0) {
                QStringList known;
                for (const char *n : columnNames)
                    known << QLatin1String(n);
                fail(header.line, name,
                     QStringLiteral("unknown column %1 (known columns: %2)").arg(shown(name), known.join(QStringLiteral(", "))));
                return false;
            }
            if (positions[column] >= 0) {
                fail(header.line, name,
                     QStringLiteral("duplicate column (also column %1)").arg(positions[column] + 1));
                return false;
            }
            positions[column] = i;
            m_fieldColumns.append(column);
        }
        if (positions[IdColumn] < 0) {
            fail(header.line, columnName(IdColumn), QStringLiteral("required column is missing"));
            return false;
        }
        if ((positions[LatColumn] < 0) != (positions[LonColumn] < 0)) {
            const int missing = positions[LatColumn] < 0 ? LatColumn : LonColumn;
            const int present = missing == LatColumn ? LonColumn : LatColumn;
            fail(header.line, columnName(missing),
                 QStringLiteral("column is missing; '%1' needs both 'lat' and 'lon'").arg(columnName(present)));
            return false;
        }
        return true;
    }

    bool readNumber(const QString &text, int line, int column, double min, double max, double &out)
    {
        bool ok = false;
        const double v = text.toDouble(&ok);
        if (!ok || !std::isfinite(v)) {
            fail(line, columnName(column), shown(text) + QStringLiteral(" is not a number"));
            return false;
        }
        if (v < min || v > max) {
            fail(line, columnName(column),
                 shown(text) + QStringLiteral(" is outside [%1,%2]").arg(shortestNumber(min), shortestNumber(max)));
            return false;
        }
        out = v;
        return true;
    }

    bool readRow(const CsvRecord &record, NodeInfo &node)
    {
        const int line = record.line;
        const qsizetype expected = m_fieldColumns.size();
        if (record.fields.size() < expected) {
            fail(line, fieldName(int(record.fields.size())),
                 QStringLiteral("missing value: row has %1 fields, header has %2").arg(record.fields.size()).arg(expected));
            return false;
        }
        if (record.fields.size() > expected) {
            fail(line, QString::number(expected + 1),
                 QStringLiteral("unexpected value: row has %1 fields, header has %2").arg(record.fields.size()).arg(expected));
            return false;
        }

        bool hasLat = false;
        bool hasLon = false;
        for (int i = 0; i < expected; ++i) {
            const int column = m_fieldColumns[i];
            const CsvField &field = record.fields[i];
            QString text;
            if (!decodeUtf8(field.text, line, columnName(column), text))
                return false;
            // Quoted text is kept verbatim for names; values are compared trimmed.
            const QString value = column == NameColumn ? text : text.trimmed();

            switch (column) {
            case IdColumn:
                if (value.isEmpty()) {
                    fail(line, columnName(column), QStringLiteral("id is empty"));
                    return false;
                }
                if (value.size() > maxNodeIdLength) {
                    fail(line, columnName(column),
                         QStringLiteral("id is %1 characters long, at most %2 allowed").arg(value.size()).arg(maxNodeIdLength));
                    return false;
                }
                for (QChar c : value) {
                    if (c.category() == QChar::Other_Control) {
                        fail(line, columnName(column), QStringLiteral("id %1 contains a control character").arg(shown(value)));
                        return false;
                    }
                }
                node.id = value;
                continue;
            case NameColumn:
                node.name = value;
                continue;
            default:
                break;
            }

            if (value.isEmpty())
                continue; // not given: keep the default / leave the optional empty

            switch (column) {
            case RoleColumn: {
                const auto roles = rolesFromString(value);
                if (!roles) {
                    fail(line, columnName(column),
                         shown(value) + QStringLiteral(" is not a role (generator, consumer, prosumer, storage or a '+' combination)"));
                    return false;
                }
                node.roles = *roles;
                break;
            }
            case RenewableColumn:
                if (value != QLatin1String("0") && value != QLatin1String("1")) {
                    fail(line, columnName(column), shown(value) + QStringLiteral(" must be 0 or 1"));
                    return false;
                }
                node.renewable = value == QLatin1String("1");
                break;
            case EnvironmentalColumn:
                if (!readNumber(value, line, column, 0, 1, node.environmental))
                    return false;
                break;
            case CostColumn:
                if (!readNumber(value, line, column, 0, 1, node.cost))
                    return false;
                break;
            case StabilityColumn:
                if (!readNumber(value, line, column, 0, 1, node.stability))
                    return false;
                break;
            case ScoreColumn: {
                double v = 0;
                if (!readNumber(value, line, column, 0, 1, v))
                    return false;
                node.scoreOverride = v;
                break;
            }
            case GroupColumn: {
                bool ok = false;
                const int g = value.toInt(&ok);
                if (!ok || g <= 0) {
                    fail(line, columnName(column), shown(value) + QStringLiteral(" is not a positive integer"));
                    return false;
                }
                node.group = g;
                break;
            }
            case LatColumn: {
                double v = 0;
                if (!readNumber(value, line, column, -90, 90, v))
                    return false;
                node.lat = v;
                hasLat = true;
                break;
            }
            case LonColumn: {
                double v = 0;
                if (!readNumber(value, line, column, -180, 180, v))
                    return false;
                node.lon = v;
                hasLon = true;
                break;
            }
            case CapacityColumn: {
                bool ok = false;
                const double v = value.toDouble(&ok);
                if (!ok || !std::isfinite(v)) {
                    fail(line, columnName(column), shown(value) + QStringLiteral(" is not a number"));
                    return false;
                }
                if (v <= 0) {
                    fail(line, columnName(column), shown(value) + QStringLiteral(" must be greater than 0"));
                    return false;
                }
                node.capacityKw = v;
                break;
            }
            default:
                Q_UNREACHABLE();
            }
        }
        if (hasLat != hasLon) {
            const int missing = hasLat ? LonColumn : LatColumn;
            fail(line, columnName(missing),
                 QStringLiteral("value is empty but '%1' is given; give both or neither")
                     .arg(columnName(missing == LatColumn ? LonColumn : LatColumn)));
            return false;
        }
        return true;
    }

    QString m_source;
    QList<int> m_fieldColumns; // header position -> Column
    Error m_error;
};

bool needsQuotes(const QString &s)
{
    if (s.isEmpty())
        return false;
    if (s.front().isSpace() || s.back().isSpace())
        return true; // unquoted cells are trimmed on read
    for (QChar c : s) {
        if (c == QLatin1Char(',') || c == QLatin1Char('"') || c == QLatin1Char('\n') || c == QLatin1Char('\r'))
            return true;
    }
    return false;
}

void appendCell(QByteArray &out, const QString &s)
{
    if (!needsQuotes(s)) {
        out += s.toUtf8();
        return;
    }
    out += '"';
    out += s.toUtf8().replace('"', "\"\"");
    out += '"';
}

void appendNumber(QByteArray &out, std::optional<double> v)
{
    if (v)
        out += shortestNumber(*v).toLatin1();
}

} // namespace

Result<QList<NodeInfo>> parseRosterCsv(QByteArrayView csv, const QString &sourceName)
{
    return RosterParser(sourceName).parse(csv);
}

Result<QList<NodeInfo>> readRosterFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        return Result<QList<NodeInfo>>::fail(QStringLiteral("roster.io"),
                                             QStringLiteral("roster file '%1' does not exist").arg(path));
    }
    if (!info.isFile()) {
        return Result<QList<NodeInfo>>::fail(QStringLiteral("roster.io"),
                                             QStringLiteral("roster path '%1' is not a file").arg(path));
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Result<QList<NodeInfo>>::fail(QStringLiteral("roster.io"),
            QStringLiteral("cannot read roster file '%1': %2").arg(path, file.errorString()));
    }
    const QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        return Result<QList<NodeInfo>>::fail(QStringLiteral("roster.io"),
            QStringLiteral("cannot read roster file '%1': %2").arg(path, file.errorString()));
    }
    return parseRosterCsv(data, path);
}

QByteArray writeRosterCsv(const QList<NodeInfo> &nodes)
{
    QByteArray out;
    for (int c = 0; c < ColumnCount; ++c) {
        if (c > 0)
            out += ',';
        out += columnNames[c];
    }
    out += '\n';
    for (const NodeInfo &n : nodes) {
        appendCell(out, n.id);
        out += ',';
        appendCell(out, n.name);
        out += ',';
        out += rolesToString(n.roles).toLatin1();
        out += ',';
        out += n.renewable ? '1' : '0';
        out += ',';
        appendNumber(out, n.environmental);
        out += ',';
        appendNumber(out, n.cost);
        out += ',';
        appendNumber(out, n.stability);
        out += ',';
        appendNumber(out, n.scoreOverride);
        out += ',';
        if (n.group)
            out += QByteArray::number(*n.group);
        out += ',';
        appendNumber(out, n.lat);
        out += ',';
        appendNumber(out, n.lon);
        out += ',';
        appendNumber(out, n.capacityKw);
        out += '\n';
    }
    return out;
}

} // namespace mg::roster
