// django-celery-beat's periodic task form: show the chosen crontab in words under the field.
(function ($) {
  const readableCrontabs = JSON.parse($("#readable-crontabs").text());
  const originalCrontabHelp = $(".field-crontab .help").text();
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    const translation = readableCrontabs[$("#id_crontab").val()];
    $(".field-crontab .help").text(originalCrontabHelp).append("<br>", document.createTextNode(
      "Translation: " + translation));
  });
})(django.jQuery);
