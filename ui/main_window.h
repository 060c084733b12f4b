#pragma once

#include "core/engine/microgrid.h"

#include <QMainWindow>

class QLabel;
class QTableView;

namespace mg::ui {

class ChainTableModel;

// The console's main window. For now: the running microgrid's chains and live figures.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(engine::Microgrid &microgrid, QWidget *parent = nullptr);

    void setDataDirectory(const QString &dir);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void refresh();
    void showError(const mg::Error &error);

    engine::Microgrid &m_microgrid;
    ChainTableModel *m_chains = nullptr;
    QTableView *m_chainView = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_dataDir = nullptr;
};

} // namespace mg::ui
