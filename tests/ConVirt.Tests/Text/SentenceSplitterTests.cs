using System.Text;
using ConVirt.Data.Text;
using Xunit;
using Xunit.Abstractions;

namespace ConVirt.Tests.Text;

public class SentenceSplitterTests(ITestOutputHelper output)
{
    static void AssertSplit(string report, params string[] expected) =>
        Assert.Equal(expected, SentenceSplitter.Split(report));

    [Fact]
    public void Section_headers_start_a_sentence_and_are_dropped() => AssertSplit(
        "Presentation: Young patient presented with cough and fever . Imaging notes: Bilateral patchy areas of air space consolidation. . Discussion: Findings are typical for COVID-19.",
        "Young patient presented with cough and fever .",
        "Bilateral patchy areas of air space consolidation.",
        "Findings are typical for COVID-19.");

    [Fact]
    public void Other_colon_phrases_stay_in_the_sentence() => AssertSplit(
        "Significant laboratory findings: leucocytosis. Four months after treatment: residual fibrosis in the upper lobe.",
        "Significant laboratory findings: leucocytosis.",
        "Four months after treatment: residual fibrosis in the upper lobe.");

    [Fact]
    public void Capitalised_header_inside_a_sentence_starts_a_new_one() => AssertSplit(
        "Heart size normal IMPRESSION: no acute disease.",
        "Heart size normal",
        "no acute disease.");

    [Fact]
    public void Decimals_units_and_figure_references_are_not_cut() => AssertSplit(
        "Temperature was 37.8 C. Chest radiograph shows a 3.5 cm nodule (Fig. 1). Fever up to 38?C. No other history.",
        "Temperature was 37.8 C.",
        "Chest radiograph shows a 3.5 cm nodule (Fig. 1).",
        "Fever up to 38?C.",
        "No other history.");

    [Fact]
    public void Abbreviations_do_not_end_sentences() => AssertSplit(
        "Seen by Dr. Smith at 10 a.m. Chest film on admission, e.g. for dyspnoea. Opacity in the R. upper zone vs. Atelectasis, approx. 2 cm. in size, pt. Stable hx. Asthma.",
        "Seen by Dr. Smith at 10 a.m. Chest film on admission, e.g. for dyspnoea.",
        "Opacity in the R. upper zone vs. Atelectasis, approx. 2 cm. in size, pt. Stable hx. Asthma.");

    [Fact]
    public void Numbered_abbreviations_and_initials_do_not_end_sentences() => AssertSplit(
        "Sample No. 5 was positive. Dr. J. Smith reviewed it. Lesion of 2 cm. 3 mm satellite nodule nearby. Mass of 6.1 x 4.5 cm. T2 signal is high.",
        "Sample No. 5 was positive.",
        "Dr. J. Smith reviewed it.",
        "Lesion of 2 cm. 3 mm satellite nodule nearby.",
        "Mass of 6.1 x 4.5 cm.",
        "T2 signal is high.");

    [Fact]
    public void Letter_labels_end_sentences_but_side_initials_do_not() => AssertSplit(
        "Patient B. Non-contrast CT shows wall thickening. Figure C. Axial image. Positive for hepatitis B. The liver is normal. Compression of the L. CNV. Abd. CT: a 14 cm renal mass.",
        "Patient B.",
        "Non-contrast CT shows wall thickening.",
        "Figure C.",
        "Axial image.",
        "Positive for hepatitis B.",
        "The liver is normal.",
        "Compression of the L. CNV.",
        "Abd. CT: a 14 cm renal mass.");

    [Fact]
    public void Enumerations_split_before_the_next_item_not_after_the_number() => AssertSplit(
        "IMPRESSION: 1. No pleural effusion. 2. Mild cardiomegaly 3. Stable 2.5 cm nodule.",
        "1. No pleural effusion.",
        "2. Mild cardiomegaly",
        "3. Stable 2.5 cm nodule.");

    [Fact]
    public void Line_breaks_end_lines_but_wrapped_lines_are_joined() => AssertSplit(
        "FINDINGS:\nThe lungs are clear\nbilaterally. Heart size is normal\nNo effusion\r\n\r\nIMPRESSION:\nNormal chest.\n1. No acute process\n2. Unchanged port",
        "The lungs are clear bilaterally.",
        "Heart size is normal",
        "No effusion",
        "Normal chest.",
        "1. No acute process",
        "2. Unchanged port");

    [Fact]
    public void Line_break_after_an_abbreviation_does_not_split() => AssertSplit(
        "Reviewed with Dr.\nSmith today.",
        "Reviewed with Dr. Smith today.");

    [Fact]
    public void Ellipses_and_question_marks() => AssertSplit(
        "Opacity in the left base... Possibly atelectasis. Pneumonia? Follow-up advised! Range 0.9 ? 3.3 units, maximum 39? C, cough.",
        "Opacity in the left base... Possibly atelectasis.",
        "Pneumonia?",
        "Follow-up advised!",
        "Range 0.9 ? 3.3 units, maximum 39? C, cough.");

    [Fact]
    public void Missing_space_between_sentences_is_split_but_not_inside_tokens() => AssertSplit(
        "Cardiac size appears normal.There are patchy opacities in RT-PCR.Positive e.g.Test cases.",
        "Cardiac size appears normal.",
        "There are patchy opacities in RT-PCR.Positive e.g.Test cases.");

    [Fact]
    public void Closing_brackets_stay_with_their_sentence() => AssertSplit(
        "Elevated CRP (48 mg/L). Labelled \"typical.\" Lateral projection.",
        "Elevated CRP (48 mg/L).",
        "Labelled \"typical.\"",
        "Lateral projection.");

    [Fact]
    public void Placeholders_survive_splitting_as_one_token() => AssertSplit(
        "___ year old with XXXX. Evaluation of [**Hospital1 18**] line.",
        "___ year old with ___.",
        "Evaluation of ___ line.");

    [Fact]
    public void Empty_and_punctuation_only_fragments_are_dropped()
    {
        Assert.Empty(SentenceSplitter.Split(null));
        Assert.Empty(SentenceSplitter.Split(""));
        Assert.Empty(SentenceSplitter.Split(" . . ! \n\n ... ? "));
        AssertSplit(". . Effusion.. . Clear.", "Effusion..", "Clear.");
    }

    [Fact]
    public void Long_input_is_split_in_one_pass()
    {
        // 100 KB: every sentence found, and pathological inputs (no terminators, unterminated brackets) finish.
        var text = new StringBuilder();
        const int count = 3000;
        for (int k = 0; k < count; k++) text.Append("No pleural effusion at 3.5 cm. ");
        var sentences = SentenceSplitter.Split(text.ToString());
        Assert.Equal(count, sentences.Count);
        Assert.All(sentences, s => Assert.Equal("No pleural effusion at 3.5 cm.", s));

        string noTerminators = string.Concat(Enumerable.Repeat("[** word Dr. FINDINGS ", 5000));
        Assert.Single(SentenceSplitter.Split(noTerminators));
    }

    [Fact]
    public void Every_covid_cxr_text_splits_without_cutting_abbreviations_or_decimals()
    {
        var texts = TextTestData.ManifestTexts("covid-cxr");
        if (texts is null)
        {
            output.WriteLine("Shared data covid-cxr/manifest.jsonl not found (set CONVIRT_SHARED_DATA); test skipped.");
            return;
        }
        int totalSentences = 0;
        for (int t = 0; t < texts.Count; t++)
        {
            string cleaned = ReportText.Clean(texts[t]);
            var sentences = SentenceSplitter.Split(texts[t]);
            Assert.True(sentences.Count >= 1, $"covid-cxr text #{t} gave no sentence.");
            totalSentences += sentences.Count;

            for (int k = 0; k < sentences.Count; k++)
            {
                string lastWord = sentences[k].Split(' ')[^1].TrimStart('(', '[', '"', '\'');
                if (lastWord.EndsWith('.'))
                    Assert.False(SentenceSplitter.NonTerminalAbbreviations.Contains(lastWord[..^1].ToLowerInvariant()),
                        $"covid-cxr text #{t}, sentence {k} ends with an abbreviation.");
                if (k > 0)
                {
                    // A decimal cut in two would leave "...3." before a sentence starting with a digit.
                    string previous = sentences[k - 1];
                    bool cutNumber = previous.Length >= 2 && previous[^1] == '.' && char.IsAsciiDigit(previous[^2])
                        && char.IsAsciiDigit(sentences[k][0]);
                    Assert.False(cutNumber, $"covid-cxr text #{t}, sentence {k} starts with the tail of a cut number.");
                }
            }
            // Every decimal of the text survives whole in some sentence (headers hold no digits).
            Assert.Equal(Decimals(cleaned), sentences.SelectMany(Decimals).ToList());
        }
        output.WriteLine($"{texts.Count} texts, {totalSentences} sentences.");
    }

    /// <summary>Maximal "digits.digits" runs, in order.</summary>
    static List<string> Decimals(string text)
    {
        var found = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i])) { i++; continue; }
            int j = i;
            while (j < text.Length && char.IsAsciiDigit(text[j])) j++;
            if (j + 1 < text.Length && text[j] == '.' && char.IsAsciiDigit(text[j + 1]))
            {
                int k = j + 1;
                while (k < text.Length && char.IsAsciiDigit(text[k])) k++;
                found.Add(text[i..k]);
                i = k;
            }
            else i = j;
        }
        return found;
    }
}
