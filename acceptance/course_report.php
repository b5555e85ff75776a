<?php
// Acceptance driver: what a restored or imported course holds, as JSON, read the way Moodle
// itself reads it. Run as the web server user:
//   MOODLE_DIR=/path/to/moodle runuser -u www-data -- php course_report.php --courseid=N
// modules: every course module; quizzes: each quiz's slots resolved through question_references
// to the latest question version (Moodle 4.0+), with the context level of its category;
// banks: the course's question bank activities (Moodle 5.x).
define('CLI_SCRIPT', true);
$moodledir = getenv('MOODLE_DIR');
if ($moodledir === false || $moodledir === '' || !is_readable(rtrim($moodledir, '/') . '/config.php')) {
    fwrite(STDERR, "ERROR: set MOODLE_DIR to the root of a running Moodle (the directory holding config.php)\n");
    exit(1);
}
require(rtrim($moodledir, '/') . '/config.php');
require_once($CFG->libdir . '/clilib.php');

[$options] = cli_get_params(['courseid' => 0]);
$courseid = (int)$options['courseid'];
if (!$courseid || !$DB->record_exists('course', ['id' => $courseid])) {
    cli_error("--courseid: no course $courseid");
}
global $DB;
$report = ['release' => $CFG->release, 'courseid' => $courseid, 'modules' => [], 'quizzes' => [], 'banks' => []];
foreach (get_fast_modinfo($courseid)->get_cms() as $cm) {
    $report['modules'][] = ['cmid' => (int)$cm->id, 'modname' => $cm->modname, 'name' => $cm->name,
        'section' => (int)$cm->sectionnum, 'visible' => (int)$cm->visible];
}
foreach ($DB->get_records('quiz', ['course' => $courseid], 'id') as $quiz) {
    $slots = $DB->get_records('quiz_slots', ['quizid' => $quiz->id], 'slot');
    $questions = $DB->get_records_sql("
        SELECT s.id AS slotid, q.id AS questionid, q.qtype, ctx.contextlevel, ctx.instanceid
          FROM {quiz_slots} s
          JOIN {question_references} qr ON qr.component = 'mod_quiz' AND qr.questionarea = 'slot' AND qr.itemid = s.id
          JOIN {question_bank_entries} qbe ON qbe.id = qr.questionbankentryid
          JOIN {question_categories} qc ON qc.id = qbe.questioncategoryid
          JOIN {context} ctx ON ctx.id = qc.contextid
          JOIN {question_versions} qv ON qv.questionbankentryid = qbe.id
               AND qv.version = (SELECT MAX(v.version) FROM {question_versions} v WHERE v.questionbankentryid = qbe.id)
          JOIN {question} q ON q.id = qv.questionid
         WHERE s.quizid = ?", [$quiz->id]);
    $levels = [];
    foreach ($questions as $question) {
        $levels[] = (int)$question->contextlevel . ':' . (int)$question->instanceid;
    }
    $report['quizzes'][] = ['name' => $quiz->name, 'slots' => count($slots), 'questions' => count($questions),
        'contexts' => array_values(array_unique($levels))];
}
if ($DB->get_manager()->table_exists('qbank')) {
    $banks = $DB->get_records_sql("
        SELECT cm.id AS cmid, qb.name, qb.type, cm.visible, cs.section
          FROM {qbank} qb
          JOIN {modules} m ON m.name = 'qbank'
          JOIN {course_modules} cm ON cm.instance = qb.id AND cm.module = m.id
          JOIN {course_sections} cs ON cs.id = cm.section
         WHERE qb.course = ?", [$courseid]);
    foreach ($banks as $bank) {
        // Categories whose parent is not the bank's own top category drop out of its category tree.
        $context = context_module::instance($bank->cmid);
        $top = $DB->get_field('question_categories', 'id', ['contextid' => $context->id, 'parent' => 0]);
        $stray = $DB->count_records_select('question_categories', 'contextid = ? AND parent <> 0 AND parent <> ?',
            [$context->id, (int)$top]);
        $report['banks'][] = ['cmid' => (int)$bank->cmid, 'name' => $bank->name, 'type' => $bank->type,
            'visible' => (int)$bank->visible, 'section' => (int)$bank->section,
            'categories' => $DB->count_records('question_categories', ['contextid' => $context->id]),
            'outside_tree' => $stray];
    }
}
echo json_encode($report, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE), "\n";
