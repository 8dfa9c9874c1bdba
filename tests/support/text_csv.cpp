#include "support/text_csv.hpp"

#include <fstream>

namespace depthbias::test_support {

std::string write_text(const std::filesystem::path& p, const std::string& text) {
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
}

std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool q = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (q) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                q = false;
            } else {
                cur += c;
            }
        } else if (c == '"') {
            q = true;
        } else if (c == ',') {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

std::string TextCsv::col(size_t row, const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return rows.at(row).at(i);
    return "<no column " + name + ">";
}

TextCsv read_text_csv(const std::filesystem::path& p) {
    TextCsv c;
    std::ifstream f(p);
    std::string line;
    bool first = true;
    while (std::getline(f, line)) {
        if (first) {
            c.header = split_csv_line(line);
            first = false;
        } else {
            c.rows.push_back(split_csv_line(line));
        }
    }
    return c;
}

}  // namespace depthbias::test_support
