// Templates: escaping by file type, compiled-in files, the operator directory, partials.
#include "ddns/gateway/base/templates.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ddns::gateway {
namespace {

class TemplatesTest : public ::testing::Test {
protected:
    test::TempDir dir{"ddns-templates"};
    void write(const std::string& name, const std::string& content) {
        std::filesystem::create_directories((dir.path() / name).parent_path());
        test::write_file(dir.path() / name, content);
    }
};

TEST_F(TemplatesTest, HtmlTemplatesEscapeEveryValue) {
    write("t.html", "<p title=\"{{v}}\">{{v}}</p>");
    const Templates templates(dir.path());
    const auto out =
        templates.render("t.html", TemplateData{}.set("v", "<script>'a' & \"b\"`</script>"));
    EXPECT_EQ(out,
              "<p title=\"&lt;script&gt;&#39;a&#39; &amp; &quot;b&quot;&#96;&lt;/script&gt;\">"
              "&lt;script&gt;&#39;a&#39; &amp; &quot;b&quot;&#96;&lt;/script&gt;</p>");
}

TEST_F(TemplatesTest, TextTemplatesKeepValuesAsTheyAre) {
    write("mail/t.txt", "Open {{link}}\n");
    const Templates templates(dir.path());
    EXPECT_EQ(templates.render("mail/t.txt", TemplateData{}.set("link", "https://x/a?b=1&c=<2>")),
              "Open https://x/a?b=1&c=<2>\n");
}

TEST_F(TemplatesTest, ListsFlagsAndNestedObjects) {
    write("l.html", "{{#items}}[{{name}}{{#on}}+{{/on}}]{{/items}}{{^items}}none{{/items}}");
    const Templates templates(dir.path());
    auto items = TemplateData::list();
    items.push(TemplateData{}.set("name", "a").set("on", true));
    items.push(TemplateData{}.set("name", "b").set("on", false));
    EXPECT_EQ(templates.render("l.html", TemplateData{}.set("items", items)), "[a+][b]");
    EXPECT_EQ(templates.render("l.html", TemplateData{}.set("items", TemplateData::list())),
              "none");
}

TEST_F(TemplatesTest, CompiledInFilesAreThereWithoutADirectory) {
    const Templates templates;
    const auto css = templates.file("static/style.css");
    ASSERT_TRUE(css.has_value());
    EXPECT_NE(css->find("body"), std::string::npos);
    EXPECT_FALSE(templates.file("static/none.css").has_value());
}

TEST_F(TemplatesTest, TheOperatorsFileWinsOverTheCompiledInOne) {
    write("static/style.css", "body { color: red }");
    EXPECT_EQ(Templates(dir.path()).file("static/style.css"), "body { color: red }");
    // A file the operator did not override still comes from the binary.
    EXPECT_TRUE(Templates(dir.path()).file("page/foot.html").has_value());
}

TEST_F(TemplatesTest, NamesCannotLeaveTheDirectory) {
    write("inner/x.txt", "x");
    test::write_file(dir.path().parent_path() / "ddns-templates-outside.txt", "secret");
    const Templates templates(dir.path() / "inner");
    EXPECT_EQ(templates.file("x.txt"), "x");
    for (const char* bad : {"../ddns-templates-outside.txt", "/etc/passwd", "a//b", "./x.txt",
                            "x.txt/..", "", "a\\b"}) {
        EXPECT_FALSE(templates.file(bad).has_value()) << bad;
    }
    std::filesystem::remove(dir.path().parent_path() / "ddns-templates-outside.txt");
}

TEST_F(TemplatesTest, PartialsComeFromTemplatesNeverFromData) {
    write("part.html", "<b>{{v}}</b>");
    write("main.html", "[{{> part.html}}]");
    const Templates templates(dir.path());
    // A data member named like the partial is not taken as its source.
    const auto out =
        templates.render("main.html", TemplateData{}.set("v", "<i>").set("part.html", "{{{v}}}"));
    EXPECT_EQ(out, "[<b>&lt;i&gt;</b>]");
}

TEST_F(TemplatesTest, MissingOrBrokenTemplatesThrow) {
    write("broken.html", "{{#open}} never closed");
    write("uses-missing.html", "{{> nowhere.html}}");
    const Templates templates(dir.path());
    EXPECT_THROW(templates.render("absent.html", {}), TemplateError);
    EXPECT_THROW(templates.render("broken.html", {}), TemplateError);
    EXPECT_THROW(templates.render("uses-missing.html", {}), TemplateError);
}

}  // namespace
}  // namespace ddns::gateway
