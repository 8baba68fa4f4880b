DROP PROCEDURE sendNotification;
