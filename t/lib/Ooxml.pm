# Ooxml.pm -- upload fixtures for the tests: genuine minimal Office Open
# XML packages (the parts Word, Excel and PowerPoint need to open them),
# a ZIP that only looks like one (no main part), and a small Windows
# executable to disguise as a document.  Core modules only.
#
#   ooxml_file($kind, %opt)   'docx' | 'xlsx' | 'pptx' -> the package's
#                             bytes; $opt{text} is the document's one piece
#                             of text (a paragraph, a cell, a slide title)
#   zip_without_main($kind)   [Content_Types].xml (as $kind has it), the
#                             package relationships and notes.txt, but not
#                             the main part: a ZIP renamed, not a document
#   fake_exe()                a 1 KiB PE32+ console program (x64) that
#                             only returns 0: DOS header and stub, "PE\0\0"
#                             at e_lfanew, one .text section
#
# Entries are deflated and written with fixed times, so the same call
# gives the same bytes.
package Ooxml;
use strict;
use warnings;

use Carp qw(croak);
use IO::Compress::Zip qw($ZipError :zip_method);
use Exporter 'import';

our @EXPORT = qw(ooxml_file zip_without_main fake_exe);
our @EXPORT_OK = @EXPORT;

# 2024-01-02 03:04:06 UTC: a fixed time for every entry
my $TIME = 1704164646;

my $XML = qq{<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n};
my $NS_PKG_CT = 'http://schemas.openxmlformats.org/package/2006/content-types';
my $NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
my $NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
my $REL_DOC = "$NS_REL/officeDocument";
my $NS_W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
my $NS_S = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
my $NS_P = 'http://schemas.openxmlformats.org/presentationml/2006/main';
my $NS_A = 'http://schemas.openxmlformats.org/drawingml/2006/main';
my $CT = 'application/vnd.openxmlformats-officedocument';

sub _esc {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    return $s;
}

# [Content_Types].xml: defaults for rels and xml, overrides by part name
sub _content_types {
    my (@overrides) = @_;
    my $x = $XML . qq{<Types xmlns="$NS_PKG_CT">}
        . qq{<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>}
        . qq{<Default Extension="xml" ContentType="application/xml"/>};
    while (my ($part, $type) = splice(@overrides, 0, 2)) {
        $x .= qq{<Override PartName="$part" ContentType="$type"/>};
    }
    return $x . '</Types>';
}

# a relationships part from [id, type, target] triples
sub _rels {
    my (@rels) = @_;
    my $x = $XML . qq{<Relationships xmlns="$NS_PKG_REL">};
    for my $r (@rels) {
        my ($id, $type, $target) = @$r;
        $x .= qq{<Relationship Id="$id" Type="$type" Target="$target"/>};
    }
    return $x . '</Relationships>';
}

# the ZIP of [name, content] entries, in that order, deflated
sub _zip {
    my (@entries) = @_;
    my $out = '';
    my $z;
    for my $e (@entries) {
        my ($name, $data) = @$e;
        my %o = (Name => $name, Method => ZIP_CM_DEFLATE, Time => $TIME,
                 Minimal => 1, Stream => 0, CanonicalName => 1,
                 BinModeIn => 1);
        if ($z) {
            $z->newStream(%o) or croak "Ooxml: $ZipError";
        }
        else {
            $z = IO::Compress::Zip->new(\$out, %o) or croak "Ooxml: $ZipError";
        }
        $z->print($data);
    }
    $z->close or croak "Ooxml: $ZipError";
    return $out;
}

# ------------------------------------------------------------ docx

sub _docx_parts {
    my ($text) = @_;
    my $t = _esc($text);
    return (
        ['[Content_Types].xml', _content_types(
            '/word/document.xml', "$CT.wordprocessingml.document.main+xml")],
        ['_rels/.rels', _rels(['rId1', $REL_DOC, 'word/document.xml'])],
        ['word/document.xml', $XML . qq{<w:document xmlns:w="$NS_W">}
            . qq{<w:body><w:p><w:r><w:t xml:space="preserve">$t</w:t></w:r></w:p>}
            . qq{<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>}
            . qq{<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/>}
            . qq{</w:sectPr></w:body></w:document>}],
    );
}

# ------------------------------------------------------------ xlsx

sub _xlsx_parts {
    my ($text) = @_;
    my $t = _esc($text);
    return (
        ['[Content_Types].xml', _content_types(
            '/xl/workbook.xml', "$CT.spreadsheetml.sheet.main+xml",
            '/xl/worksheets/sheet1.xml', "$CT.spreadsheetml.worksheet+xml",
            '/xl/styles.xml', "$CT.spreadsheetml.styles+xml")],
        ['_rels/.rels', _rels(['rId1', $REL_DOC, 'xl/workbook.xml'])],
        ['xl/workbook.xml', $XML . qq{<workbook xmlns="$NS_S" xmlns:r="$NS_REL">}
            . qq{<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>}
            . qq{</workbook>}],
        ['xl/_rels/workbook.xml.rels', _rels(
            ['rId1', "$NS_REL/worksheet", 'worksheets/sheet1.xml'],
            ['rId2', "$NS_REL/styles", 'styles.xml'])],
        ['xl/worksheets/sheet1.xml', $XML . qq{<worksheet xmlns="$NS_S">}
            . qq{<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">$t</t></is></c></row></sheetData>}
            . qq{</worksheet>}],
        ['xl/styles.xml', $XML . qq{<styleSheet xmlns="$NS_S">}
            . qq{<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>}
            . qq{<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>}
            . qq{<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>}
            . qq{<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>}
            . qq{<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>}
            . qq{<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>}
            . qq{</styleSheet>}],
    );
}

# ------------------------------------------------------------ pptx

# A theme with every element the schema requires: 12 colours, the major
# and minor fonts, three fill, line, effect and background styles.
sub _theme {
    my $fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>';
    my $ln = '<a:ln w="9525"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln>';
    my $fonts = '<a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/>';
    my %c = (dk2 => '44546A', lt2 => 'E7E6E6', accent1 => '4472C4',
             accent2 => 'ED7D31', accent3 => 'A5A5A5', accent4 => 'FFC000',
             accent5 => '5B9BD5', accent6 => '70AD47', hlink => '0563C1',
             folHlink => '954F72');
    return $XML . qq{<a:theme xmlns:a="$NS_A" name="Office Theme"><a:themeElements>}
        . '<a:clrScheme name="Office">'
        . '<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>'
        . '<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>'
        . join('', map { qq{<a:$_><a:srgbClr val="$c{$_}"/></a:$_>} }
               qw(dk2 lt2 accent1 accent2 accent3 accent4 accent5 accent6 hlink folHlink))
        . '</a:clrScheme>'
        . qq{<a:fontScheme name="Office"><a:majorFont>$fonts</a:majorFont>}
        . qq{<a:minorFont>$fonts</a:minorFont></a:fontScheme>}
        . '<a:fmtScheme name="Office">'
        . '<a:fillStyleLst>' . ($fill x 3) . '</a:fillStyleLst>'
        . '<a:lnStyleLst>' . ($ln x 3) . '</a:lnStyleLst>'
        . '<a:effectStyleLst>' . ('<a:effectStyle><a:effectLst/></a:effectStyle>' x 3)
        . '</a:effectStyleLst>'
        . '<a:bgFillStyleLst>' . ($fill x 3) . '</a:bgFillStyleLst>'
        . '</a:fmtScheme></a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>';
}

my $EMPTY_TREE = '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
    . '<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
    . '<a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>';

sub _pptx_parts {
    my ($text) = @_;
    my $t = _esc($text);
    my $ns = qq{xmlns:a="$NS_A" xmlns:r="$NS_REL" xmlns:p="$NS_P"};
    my $title_ph = '<p:nvSpPr><p:cNvPr id="2" name="Title 1"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
        . '<p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr>';
    my $title_box = '<p:spPr><a:xfrm><a:off x="838200" y="365125"/><a:ext cx="10515600" cy="1325563"/></a:xfrm>'
        . '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>';
    my $clrmap = '<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" '
        . 'accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/>';
    return (
        ['[Content_Types].xml', _content_types(
            '/ppt/presentation.xml', "$CT.presentationml.presentation.main+xml",
            '/ppt/slideMasters/slideMaster1.xml', "$CT.presentationml.slideMaster+xml",
            '/ppt/slideLayouts/slideLayout1.xml', "$CT.presentationml.slideLayout+xml",
            '/ppt/slides/slide1.xml', "$CT.presentationml.slide+xml",
            '/ppt/theme/theme1.xml', "$CT.theme+xml")],
        ['_rels/.rels', _rels(['rId1', $REL_DOC, 'ppt/presentation.xml'])],
        ['ppt/presentation.xml', $XML . qq{<p:presentation $ns saveSubsetFonts="1">}
            . '<p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst>'
            . '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst>'
            . '<p:sldSz cx="12192000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
            . '<p:defaultTextStyle/></p:presentation>'],
        ['ppt/_rels/presentation.xml.rels', _rels(
            ['rId1', "$NS_REL/slideMaster", 'slideMasters/slideMaster1.xml'],
            ['rId2', "$NS_REL/slide", 'slides/slide1.xml'],
            ['rId3', "$NS_REL/theme", 'theme/theme1.xml'])],
        ['ppt/slideMasters/slideMaster1.xml', $XML . qq{<p:sldMaster $ns>}
            . qq{<p:cSld><p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/></p:bgRef></p:bg>}
            . qq{<p:spTree>$EMPTY_TREE<p:sp>$title_ph$title_box<p:txBody><a:bodyPr/><a:lstStyle/>}
            . '<a:p><a:r><a:rPr lang="en-GB"/><a:t>Title</a:t></a:r></a:p></p:txBody></p:sp>'
            . qq{</p:spTree></p:cSld>$clrmap}
            . '<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst>'
            . '<p:txStyles><p:titleStyle/><p:bodyStyle/><p:otherStyle/></p:txStyles>'
            . '</p:sldMaster>'],
        ['ppt/slideMasters/_rels/slideMaster1.xml.rels', _rels(
            ['rId1', "$NS_REL/slideLayout", '../slideLayouts/slideLayout1.xml'],
            ['rId2', "$NS_REL/theme", '../theme/theme1.xml'])],
        ['ppt/slideLayouts/slideLayout1.xml', $XML . qq{<p:sldLayout $ns type="title" preserve="1">}
            . qq{<p:cSld name="Title Slide"><p:spTree>$EMPTY_TREE<p:sp>$title_ph<p:spPr/>}
            . '<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang="en-GB"/></a:p></p:txBody></p:sp>'
            . '</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>'],
        ['ppt/slideLayouts/_rels/slideLayout1.xml.rels', _rels(
            ['rId1', "$NS_REL/slideMaster", '../slideMasters/slideMaster1.xml'])],
        ['ppt/slides/slide1.xml', $XML . qq{<p:sld $ns>}
            . qq{<p:cSld><p:spTree>$EMPTY_TREE<p:sp>$title_ph<p:spPr/>}
            . qq{<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="en-GB"/><a:t>$t</a:t></a:r></a:p></p:txBody></p:sp>}
            . '</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>'],
        ['ppt/slides/_rels/slide1.xml.rels', _rels(
            ['rId1', "$NS_REL/slideLayout", '../slideLayouts/slideLayout1.xml'])],
        ['ppt/theme/theme1.xml', _theme()],
    );
}

my %parts = (docx => \&_docx_parts, xlsx => \&_xlsx_parts, pptx => \&_pptx_parts);

sub _parts_of {
    my ($kind, $text) = @_;
    my $f = defined $kind ? $parts{$kind} : undef;
    croak "Ooxml: kind must be docx, xlsx or pptx" unless $f;
    return $f->($text);
}

sub ooxml_file {
    my ($kind, %opt) = @_;
    my $text = $opt{text} // "A $kind made by the portal's tests.";
    utf8::encode($text) if utf8::is_utf8($text);
    return _zip(_parts_of($kind, $text));
}

sub zip_without_main {
    my ($kind) = @_;
    my @p = _parts_of($kind, '');
    return _zip($p[0], $p[1],
                ['notes.txt', "Not a $kind: the main part is missing.\n"]);
}

# ------------------------------------------------------------ PE

sub fake_exe {
    # DOS header (64 bytes): 3 pages, 4-paragraph header, e_lfanew 0x80
    my $dos = pack('a2 v13 a8 v2 a20 V',
                   'MZ', 0x90, 3, 0, 4, 0, 0xffff, 0, 0xb8, 0, 0, 0, 0x40, 0,
                   '', 0, 0, '', 0x80);
    # the usual stub: print the message, exit 1
    my $stub = "\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
        . "This program cannot be run in DOS mode.\r\r\n\$";
    my $head = $dos . $stub;
    $head .= "\0" x (0x80 - length $head);
    # COFF header: x86-64, one section, a PE32+ optional header of 240
    # bytes, executable and large-address aware
    my $coff = pack('v v V V V v v', 0x8664, 1, $TIME, 0, 0, 240, 0x0022);
    # PE32+ optional header: entry point and code at RVA 0x1000, image
    # base 0x140000000, section/file alignment 0x1000/0x200, console
    my $opt = pack('v C C V V V V V', 0x20b, 14, 0, 0x200, 0, 0, 0x1000, 0x1000)
        . pack('Q<', 5 * 0x40000000)     # 0x140000000
        . pack('V V v v v v v v V V V V v v', 0x1000, 0x200, 6, 0, 0, 0, 6, 0,
               0, 0x2000, 0x200, 0, 3, 0x8100)
        . pack('Q< Q< Q< Q<', 0x100000, 0x1000, 0x100000, 0x1000)
        . pack('V V', 0, 16)
        . ("\0" x (16 * 8));
    # .text: 0x200 raw bytes at file offset 0x200, code, execute, read
    my $sect = pack('a8 V V V V V V v v V', '.text', 3, 0x1000, 0x200, 0x200,
                    0, 0, 0, 0, 0x60000020);
    my $pe = $head . "PE\0\0" . $coff . $opt . $sect;
    $pe .= "\0" x (0x200 - length $pe);
    # xor eax, eax; ret
    my $code = "\x31\xc0\xc3";
    return $pe . $code . ("\0" x (0x200 - length $code));
}

1;
